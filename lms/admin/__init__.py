"""Admin screens that tie the domains together."""
