"""Rules for sql."""
