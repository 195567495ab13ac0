"""segmentd: self-hosted feature-flag audience segments with LaunchDarkly's REST API v2."""

__version__ = "0.1.0"
