"""Flags evaluated for client-side (browser) and mobile SDKs."""
