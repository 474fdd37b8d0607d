"""A candidate published where every environment reads releases: the shared releases bucket (`release.artifacts`).

On Vertex the register step copies the tuned model's files out of the pipeline root (which belongs to one
environment and may expire) into `gs://<releases bucket>/<served model>/candidates/<run>/model/`, then writes
the evaluation report and the candidate record beside them (`report.json`, `candidate.json`). The record
names the copy and the report by their gs:// URIs, so `mlops release cut` checks that the artifacts are in
the shared bucket and verifies the report by its digest, as it does for a local run.

Idempotent, so a retried step leaves one copy and one record: objects already copied with the same MD5 are
kept, the report and record are written only where absent (`ifGenerationMatch=0`), and a record already there
that says the same (apart from `created`) is kept as it is. Anything already there that differs is an error
naming it: a run's candidate is never overwritten. The record is written last, so it exists only when
everything it names does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.lib.candidate import CANDIDATE_FILE, REPORT_FILE

CANDIDATES = "candidates"
MODEL_DIR = "model"
REWRITE_ROUNDS = 100
"""Rewrite calls per object at most: a large cross-region copy takes several, each returns a token."""


def candidate_prefix(bucket: str, served_model: str, run_name: str) -> str:
    """`gs://<bucket>/<served model>/candidates/<run>`: one place per tuning run."""
    run = re.sub(r"[^A-Za-z0-9._-]+", "-", run_name).strip("-")
    if not bucket or not served_model or not run:
        raise ValueError(f"a candidate needs a bucket, a served model and a run name, found {bucket!r}, "
                         f"{served_model!r}, {run_name!r}")
    return f"gs://{bucket}/{served_model}/{CANDIDATES}/{run}"


def split_uri(uri: str) -> tuple[str, str]:
    """(bucket, object name or prefix) of `gs://bucket/name`."""
    if not uri.startswith("gs://"):
        raise ValueError(f"expected a gs://BUCKET/PATH URI, found {uri!r}")
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    return bucket, name.rstrip("/")


@dataclass(frozen=True)
class PublishedCandidate:
    """Where the candidate now lives and what this call did."""

    artifact_uri: str
    report_uri: str
    record_uri: str
    record: dict[str, Any]
    copied: int
    """Objects copied by this call."""
    kept: int
    """Objects already in place with the same content."""


def publish_candidate(
    *,
    source_uri: str,
    prefix: str,
    record_for: Callable[[str, str], dict[str, Any]],
    report_bytes: bytes,
    client: Any = None,
) -> PublishedCandidate:
    """Copy the objects under `source_uri` to `<prefix>/model/`, write the report, then the record
    `record_for(artifact_uri, report_uri)`; `client` defaults to `storage.Client()` (the step's account)."""
    if client is None:
        from google.cloud import storage  # type: ignore[attr-defined, unused-ignore]

        client = storage.Client()
    artifact_uri, report_uri = f"{prefix}/{MODEL_DIR}", f"{prefix}/{REPORT_FILE}"
    record_uri = f"{prefix}/{CANDIDATE_FILE}"
    copied, kept = copy_tree(client, source_uri, artifact_uri)
    _write_once(client, report_uri, report_bytes)
    record = record_for(artifact_uri, report_uri)
    existing = _read(client, record_uri)
    if existing is None:
        _write_once(client, record_uri, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    elif _without_created(existing) == _without_created(record):
        record = existing
    else:
        raise RuntimeError(
            f"{record_uri} already holds another candidate record for this run; a run's candidate is never "
            "overwritten: delete it by hand if it is known to be wrong, or run the tuning pipeline again"
        )
    return PublishedCandidate(artifact_uri, report_uri, record_uri, record, copied, kept)


def copy_tree(client: Any, source_uri: str, destination_uri: str) -> tuple[int, int]:
    """Server-side copy of every object under `source_uri` to the same relative names under `destination_uri`;
    returns (copied, kept). Raises when the source is empty or a destination object differs."""
    source_bucket, source_prefix = split_uri(source_uri)
    target_bucket, target_prefix = split_uri(destination_uri)
    sources = [b for b in client.list_blobs(source_bucket, prefix=f"{source_prefix}/") if not b.name.endswith("/")]
    if not sources:
        raise RuntimeError(f"no objects under {source_uri}/: the tuned model's files were not found")
    present = {b.name: b for b in client.list_blobs(target_bucket, prefix=f"{target_prefix}/")}
    destination = client.bucket(target_bucket)
    copied = kept = 0
    for blob in sources:
        name = f"{target_prefix}/{blob.name[len(source_prefix) + 1 :]}"
        there = present.get(name)
        if there is not None:
            if there.md5_hash != blob.md5_hash:
                raise RuntimeError(
                    f"gs://{target_bucket}/{name} already exists with other content than "
                    f"gs://{source_bucket}/{blob.name}; a candidate's artifacts are never overwritten"
                )
            kept += 1
            continue
        target = destination.blob(name)
        token, _, _ = target.rewrite(blob, if_generation_match=0)
        for _ in range(REWRITE_ROUNDS):
            if token is None:
                break
            token, _, _ = target.rewrite(blob, token=token, if_generation_match=0)
        else:
            raise RuntimeError(f"copying to gs://{target_bucket}/{name} did not finish in {REWRITE_ROUNDS} rounds")
        copied += 1
    return copied, kept


def _read(client: Any, uri: str) -> dict[str, Any] | None:
    bucket, name = split_uri(uri)
    blob = client.bucket(bucket).get_blob(name)
    if blob is None:
        return None
    document: dict[str, Any] = json.loads(blob.download_as_bytes())
    return document


def _write_once(client: Any, uri: str, data: bytes) -> None:
    """Create `uri` with `data`; an object already there with the same bytes is fine, other bytes are an error."""
    bucket, name = split_uri(uri)
    blob = client.bucket(bucket).get_blob(name)
    if blob is not None:
        if blob.download_as_bytes() != data:
            raise RuntimeError(f"{uri} already exists with other content; a candidate is never overwritten")
        return
    client.bucket(bucket).blob(name).upload_from_string(
        data, content_type="application/json", if_generation_match=0
    )


def _without_created(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "created"}
