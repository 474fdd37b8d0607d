"""The `mlops` command line: one module per command group, composed in `app`."""
