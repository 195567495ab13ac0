"""SQL storage of projects, environments and access tokens."""
