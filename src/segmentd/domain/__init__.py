"""Domain objects and pure rules of segmentd: no I/O, no framework imports."""
