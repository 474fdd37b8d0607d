"""Retraining on feedback and quality loss: the subscriber that turns retraining requests into tuning runs."""
