"""Rules for dataflow."""
