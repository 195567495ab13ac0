"""Big-segment use cases: membership edits, imports and exports, Redis synchronisation."""
