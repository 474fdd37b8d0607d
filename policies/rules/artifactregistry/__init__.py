"""Rules for artifactregistry."""
