"""Rules for storage."""
