"""door feature."""
