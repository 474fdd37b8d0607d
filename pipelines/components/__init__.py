"""Pipeline components: one module per step; each calls plain functions in `pipelines.lib`."""
