"""The audit history of changes."""
