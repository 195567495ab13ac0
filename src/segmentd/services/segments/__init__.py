"""Segment use cases."""
