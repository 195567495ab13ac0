"""Feature-flag use cases."""
