"""Step 1 of evaluation: a deterministic sample of the endpoint's prediction logs."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def read_prediction_logs(
    backend: str, logs_uri: str, sample_size: int, seed: int, window_hours: int, sampled: dsl.Output[dsl.Dataset]
) -> int:
    """Sample up to `sample_size` request/response pairs logged in the last `window_hours` (0: all);
    fails when none is usable."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    from pipelines.lib.records import write_records
    from pipelines.lib.sources import LOCAL_BACKEND, parse_logs, read_source_text, sample

    if backend == LOCAL_BACKEND and int(window_hours) > 0:
        print(f"read logs: local backend reads the whole file; window_hours={int(window_hours)} applies on Vertex")
    text = read_source_text(
        logs_uri, backend, sample_size=int(sample_size), seed=int(seed), window_hours=int(window_hours)
    )
    records, skipped = parse_logs(text)
    for message in skipped:
        print(f"read logs: skipped {message}")
    if not records:
        raise ValueError(f"no usable prediction logs in {logs_uri} ({len(skipped)} line(s) skipped)")
    chosen = sample(records, int(sample_size), int(seed))
    write_records(sampled.path, chosen)
    sampled.metadata.update({"source": logs_uri, "examples": len(chosen), "skipped": len(skipped)})
    print(f"read logs: {len(chosen)} of {len(records)} logged responses sampled from {logs_uri} ({backend})")
    return len(chosen)
