"""matching feature."""
