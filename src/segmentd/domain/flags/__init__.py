"""Feature flags: the model, its JSON codec and its patches."""
