"""The evaluation gate: the release's metrics meet the target's `release.evaluation_gates`, and its report backs them.

The report (a local file, or a `gs://` object read with google-cloud-storage) must match
`evaluation.report_digest` and hold exactly the manifest's metrics; a report that cannot be read fails the
gate with the reason.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from infra.layout import Project
from infra.release.gates.base import EVALUATION, GateContext, GateResult
from infra.release.schema import Evaluation


def check(context: GateContext) -> GateResult:
    """Every bounded metric is present and within its bounds, and the report backs the recorded metrics."""
    evaluation, target = context.evaluation, context.target
    metrics = evaluation.metrics
    failures = []
    for name, bound in sorted(target.release.evaluation_gates.items()):
        value = metrics.get(name)
        if value is None:
            failures.append(
                f"metric {name!r} is required by {target.name}'s gates but missing from the evaluation "
                f"({evaluation.report}); metrics present: {', '.join(sorted(metrics)) or 'none'}"
            )
            continue
        if bound.min is not None and value < bound.min:
            failures.append(f"{name} {value:.4f} is below {target.name}'s minimum {bound.min:.4f}")
        if bound.max is not None and value > bound.max:
            failures.append(f"{name} {value:.4f} is above {target.name}'s maximum {bound.max:.4f}")
    report_failures, report_note = check_report(evaluation, context.project)
    failures += report_failures
    if failures:
        return GateResult(EVALUATION, False, tuple(failures + ([report_note] if report_note else [])))
    checked = ", ".join(f"{n}={metrics[n]:.4f}" for n in sorted(target.release.evaluation_gates))
    return GateResult(EVALUATION, True, (f"{checked} within {target.name}'s bounds", report_note))


METRIC_TOLERANCE = 5e-5
"""Manifests record metrics to 4 decimals; a report value rounds to the same number."""


def report_file(report: str, project: Project) -> Path | None:
    """The local file of a report reference, or None for a `gs://` report (read from Cloud Storage)."""
    if report.startswith("gs://"):
        return None
    if report.startswith("file://"):
        return Path(url2pathname(urlparse(report).path))
    return project.root / report


def check_report(evaluation: Evaluation, project: Project) -> tuple[list[str], str]:
    """(failures, note): the report (a local file, or a `gs://` object fetched from Cloud Storage) must be
    readable, match `report_digest` and hold exactly the manifest's metrics."""
    data, unreadable = _report_bytes(evaluation.report, project)
    if data is None:
        return [unreadable], ""
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if evaluation.report_digest is None:
        return [
            f"report {evaluation.report} has no evaluation.report_digest; pin the report with "
            f"report_digest: {actual} (after checking it is the evaluation run's report)"
        ], ""
    if evaluation.report_digest != actual:
        where = "in Cloud Storage" if report_file(evaluation.report, project) is None else "on disk"
        return [
            f"report {evaluation.report} does not match evaluation.report_digest ({evaluation.report_digest} "
            f"recorded, {actual} {where}): the report changed after the release was cut"
        ], ""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"report {evaluation.report} is not JSON ({exc}); expected the evaluation summary"], ""
    reported = document.get("metrics") if isinstance(document, dict) else None
    if not isinstance(reported, dict):
        return [f"report {evaluation.report} has no `metrics` mapping; expected the evaluation summary"], ""
    differences = _metric_differences(evaluation.metrics, reported)
    if differences:
        return [f"evaluation.metrics differ from the report {evaluation.report}: " + "; ".join(differences)], ""
    return [], f"report {evaluation.report} verified: digest {actual}, metrics equal the manifest's"


def _report_bytes(report: str, project: Project) -> tuple[bytes | None, str]:
    """(the report's bytes, "") or (None, why it cannot be read)."""
    path = report_file(report, project)
    if path is None:
        from infra.release.report_store import ReportUnreadable, read_gcs

        try:
            return read_gcs(report), ""
        except ReportUnreadable as exc:
            return None, f"report {report} could not be read ({exc}); the evaluation cannot be verified"
    if not path.is_file():
        return None, f"report {report} not found ({path}); the evaluation cannot be verified"
    return path.read_bytes(), ""


def _metric_differences(ours: dict[str, float], reported: dict[str, object]) -> list[str]:
    differences = []
    for name in sorted(set(reported) | set(ours)):
        mine, theirs = ours.get(name), reported.get(name)
        same = (
            isinstance(mine, float)
            and isinstance(theirs, int | float)
            and not isinstance(theirs, bool)
            and abs(mine - theirs) <= METRIC_TOLERANCE
        )
        if not same:
            differences.append(f"{name}: manifest {_metric(mine)}, report {_metric(theirs)}")
    return differences


def _metric(value: object) -> str:
    return "missing" if value is None else repr(value)
