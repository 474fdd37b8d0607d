"""Pulumi components of an environment, one logical unit per module."""
