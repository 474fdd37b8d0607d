"""Rules for dataproc."""
