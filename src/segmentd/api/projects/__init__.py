"""HTTP routes of projects, environments and access tokens."""
