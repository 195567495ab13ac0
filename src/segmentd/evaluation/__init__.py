"""The pure segment evaluator; import the public names from :mod:`.evaluator`."""
