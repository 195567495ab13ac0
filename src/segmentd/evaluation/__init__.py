"""Segment membership evaluation with LaunchDarkly semantics: pure, no I/O."""
