"""The organisation: a tree of units whose levels are data."""
