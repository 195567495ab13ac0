"""Use cases: each owns its transaction and speaks only in domain objects."""
