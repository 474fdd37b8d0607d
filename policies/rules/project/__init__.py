"""Rules for project."""
