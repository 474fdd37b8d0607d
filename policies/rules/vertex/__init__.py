"""Rules for vertex."""
