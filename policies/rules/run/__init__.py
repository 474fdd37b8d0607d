"""Rules for run."""
