"""People who use the platform and their roles."""
