"""Plain-function logic of the pipeline steps, importable and testable without kfp."""
