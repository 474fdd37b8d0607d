"""Rules for labels."""
