"""Users, roles, login and logout, permission checks."""
