"""Rules for monitoring."""
