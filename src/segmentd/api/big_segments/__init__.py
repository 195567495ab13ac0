"""HTTP routes of big segments: membership, imports and exports."""
