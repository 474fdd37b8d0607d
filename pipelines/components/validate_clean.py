"""Step 2 of tuning: schema, empty, overlong, duplicate and PII checks; writes a report of what was removed."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def validate_and_clean(
    raw_examples: dsl.Input[dsl.Dataset],
    max_chars: int,
    pii_action: str,
    cleaned: dsl.Output[dsl.Dataset],
    report: dsl.Output[dsl.Artifact],
) -> int:
    """Keep valid examples (PII redacted or dropped per `pii_action`); fails when fewer than 2 remain."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.cleaning import clean
    from pipelines.lib.records import write_records

    text = Path(raw_examples.path).read_text(encoding="utf-8")
    result = clean(text, max_chars=int(max_chars), pii_action=pii_action)
    write_records(cleaned.path, result.records)
    summary = result.summary()
    Path(report.path).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report.metadata.update({"kept": len(result.records), "rejected": len(result.rejected)})
    for item in result.rejected:
        print(f"validate: line {item.line} (id {item.id or '-'}) rejected: {item.reason}")
    print(f"validate: kept {len(result.records)}, rejected {len(result.rejected)}, redacted {result.redactions}")
    if len(result.records) < 2:
        raise ValueError(f"only {len(result.records)} valid example(s) left after cleaning; need at least 2")
    return len(result.records)
