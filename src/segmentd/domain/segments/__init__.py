"""Segments: the model, its JSON codec, list queries and semantic-patch instructions."""
