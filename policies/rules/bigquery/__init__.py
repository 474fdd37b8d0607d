"""Rules for bigquery."""
