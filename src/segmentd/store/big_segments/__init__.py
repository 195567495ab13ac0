"""SQL storage of big-segment membership, imports and exports."""
