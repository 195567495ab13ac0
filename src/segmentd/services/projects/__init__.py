"""Projects, environments and access tokens."""
