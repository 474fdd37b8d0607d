"""Rules for compute."""
