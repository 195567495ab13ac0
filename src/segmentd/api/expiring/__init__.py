"""HTTP routes of expiring targets."""
