"""SQL storage of feature flags."""
