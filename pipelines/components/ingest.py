"""Step 1 of tuning: copy the raw examples (local JSONL, Cloud Storage or BigQuery) into a pipeline artifact."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def ingest_examples(source_uri: str, backend: str, raw_examples: dsl.Output[dsl.Dataset]) -> int:
    """Read the source as JSONL text unchanged (validation is the next step); returns the line count."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    from pathlib import Path

    from pipelines.lib.sources import read_source_text

    text = read_source_text(source_uri, backend)
    Path(raw_examples.path).write_text(text, encoding="utf-8")
    lines = sum(1 for line in text.splitlines() if line.strip())
    raw_examples.metadata.update({"source_uri": source_uri, "lines": lines})
    print(f"ingest: {lines} lines from {source_uri} ({backend} backend)")
    return lines
