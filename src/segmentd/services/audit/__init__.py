"""Audit-log use cases."""
