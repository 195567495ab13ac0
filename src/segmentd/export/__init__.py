"""Publishers of segment data to external stores (Redis for SDK big segments)."""
