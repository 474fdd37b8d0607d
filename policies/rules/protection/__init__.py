"""Rules for protection."""
