"""HTTP routes and representations of segments."""
