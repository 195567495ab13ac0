"""HTTP routes of the SDK data feed (polling and streaming)."""
