"""Backups that restore: `flask backup create|restore|verify` (docs/operations.md)."""
