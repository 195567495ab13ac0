"""SQL storage of expiring targets."""
