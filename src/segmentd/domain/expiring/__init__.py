"""Expiring targets of segments."""
