"""HTTP routes that evaluate contexts against segments."""
