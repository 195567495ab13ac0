"""Big segments: membership value objects and the import-file reader."""
