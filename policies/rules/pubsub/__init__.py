"""Rules for pubsub."""
