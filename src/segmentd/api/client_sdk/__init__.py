"""Client-side (browser) and mobile SDK endpoints: evaluated flags, streams, events."""
