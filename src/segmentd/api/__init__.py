"""The HTTP edge: LaunchDarkly's REST API v2 over FastAPI."""
