"""Rules for eventarc."""
