"""HTTP routes and representations of feature flags."""
