"""SQL storage of segments."""
