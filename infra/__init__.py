"""The Pulumi program, its typed configuration, components, dynamic providers and the `mlops` CLI."""
