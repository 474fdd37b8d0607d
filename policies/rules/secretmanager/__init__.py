"""Rules for secretmanager."""
