"""Expiring-target use cases."""
