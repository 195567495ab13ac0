"""SQL reads of the SDK data feed."""
