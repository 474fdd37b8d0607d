"""Rules for logging."""
