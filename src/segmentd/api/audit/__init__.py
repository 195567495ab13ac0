"""HTTP routes of the audit log."""
