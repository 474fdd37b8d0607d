"""When to ask for retraining: negative feedback, quality below its gate run after run, or drifted inputs.

A pure decision over what the scheduled evaluation already knows (its recent summaries, its drift report,
the share of negative feedback over a window) and when the last request was made (cool-down). The request
it returns is what the retraining subscriber consumes (`infra.retraining.request`); its id is derived from
the evaluation run and the trigger, so a re-executed run asks again under the same id and the subscriber
starts no second tuning run.

The evaluation pipeline keeps no state of its own: when the last request was made is found by replaying the
decision over the summary and drift rows earlier runs wrote (`last_request_time`), so the cool-down holds
without a store the pipeline would have to own. The feedback counts of a run's window
(`pipelines.lib.feedback`: valid messages, one per message_id, and the negative ones) travel in its summary
row (`feedback`), so the replay sees earlier feedback requests too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class RetrainingPolicy:
    """Triggers and cool-down; a trigger set to None is off."""

    max_negative_feedback_share: float | None = 0.15
    """Ask when more than this share of the window's feedback is negative. Default 0.15."""
    min_feedback: int = 20
    """Feedback items the window needs before the share is judged. Default 20."""
    below_gate_runs: int | None = 3
    """Ask when this many consecutive evaluation runs missed their quality gate. Default 3."""
    on_input_drift: bool = True
    """Ask when the latest window drifted from the release's evaluation set. Default true."""
    cooldown_hours: float = 72.0
    """No new request within this many hours of the last one. Default 72."""


def decide(
    *,
    env: str,
    run: str,
    summaries: Sequence[Mapping[str, Any]],
    drift: Mapping[str, Any] | None,
    negative_feedback: int,
    feedback: int,
    last_request_at: datetime | None,
    now: datetime,
    policy: RetrainingPolicy,
) -> dict[str, str] | None:
    """The retraining request to publish, or None. `summaries` are evaluation summaries, oldest first, the
    current run's last; `drift` is the current run's drift report."""
    reasons: list[tuple[str, str]] = []
    if policy.max_negative_feedback_share is not None and feedback >= policy.min_feedback:
        share, bound = negative_feedback / feedback, policy.max_negative_feedback_share
        if share > bound:
            text = f"negative feedback share {share:.2f} > {bound:.2f} ({negative_feedback} of {feedback})"
            reasons.append(("feedback", text))
    if policy.below_gate_runs is not None and len(summaries) >= policy.below_gate_runs:
        recent = summaries[-policy.below_gate_runs :]
        if all(not s.get("passed", True) for s in recent):
            last = "; ".join(recent[-1].get("reasons") or [])
            reasons.append(("quality", f"{policy.below_gate_runs} consecutive runs below the quality gate ({last})"))
    if policy.on_input_drift and drift is not None and drift.get("drifted"):
        reasons.append(("drift", "input drift: " + "; ".join(drift.get("reasons") or [])))
    if not reasons:
        return None
    if last_request_at is not None and now - last_request_at < timedelta(hours=policy.cooldown_hours):
        return None
    triggers = "-".join(name for name, _ in reasons)
    slug = re.sub(r"[^A-Za-z0-9._:-]+", "-", run)[:60]
    return {
        "request_id": f"{env}-{triggers}-{slug}",
        "env": env,
        "reason": "; ".join(text for _, text in reasons),
        "requested_at": now.isoformat().replace("+00:00", "Z"),
    }


def policy_of(overrides: Mapping[str, Any]) -> RetrainingPolicy:
    """The default policy with the fields `overrides` names replaced (the pipeline's `retraining_policy`)."""
    known = {f.name for f in fields(RetrainingPolicy)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown retraining policy field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    defaults = RetrainingPolicy()
    # JSON numbers from a pipeline parameter may arrive as floats; each field takes its default's type.
    typed: dict[str, Any] = {k: None if v is None else type(getattr(defaults, k))(v) for k, v in overrides.items()}
    return replace(defaults, **typed)


def feedback_of(summary: Mapping[str, Any]) -> tuple[int, int]:
    """(negative, judged) feedback of a summary; (0, 0) when its run read none (older rows have no `feedback`)."""
    counts = summary.get("feedback") or {}
    return int(counts.get("negative") or 0), int(counts.get("judged") or 0)


def _when(row: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(row["evaluated_at"]).replace("Z", "+00:00"))


def last_request_time(
    env: str,
    summaries: Sequence[Mapping[str, Any]],
    drifts: Sequence[Mapping[str, Any]],
    policy: RetrainingPolicy,
) -> datetime | None:
    """When earlier runs last asked: `decide` replayed over their summary rows (oldest first, each with `run`,
    `evaluated_at` and the window's `feedback` counts) and drift rows (matched by `run`)."""
    drift_by_run = {str(row["run"]): row for row in drifts}
    last: datetime | None = None
    for index, summary in enumerate(summaries):
        negative, judged = feedback_of(summary)
        asked = decide(
            env=env,
            run=str(summary["run"]),
            summaries=summaries[: index + 1],
            drift=drift_by_run.get(str(summary["run"])),
            negative_feedback=negative,
            feedback=judged,
            last_request_at=last,
            now=_when(summary),
            policy=policy,
        )
        if asked is not None:
            last = _when(summary)
    return last
