"""The data feed that LaunchDarkly's server-side SDKs read."""
