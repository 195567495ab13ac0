"""SQL storage of the audit log."""
