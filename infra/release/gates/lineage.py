"""The lineage gate: the bundle comes from the environment the target accepts (`release.promote_from`), unchanged
since it passed that environment's own gates, and is exactly what the source runs (digests and versions).
"""

from __future__ import annotations

from infra.release.bundle import bundle_digest, bundle_of
from infra.release.gates.base import LINEAGE, GateContext, GateResult
from infra.release.schema import ReleaseManifest


def check(context: GateContext) -> GateResult:
    """The bundle comes from where the target accepts it, unchanged, and is exactly what the source runs."""
    lineage, candidate, target = context.upstream, context.candidate, context.target
    if lineage is None or candidate is None:
        raise ValueError("the lineage gate judges a promotion: the context needs its upstream and candidate")
    source = lineage.manifest
    failures = []
    allowed = target.release.promote_from
    if allowed is not None and lineage.env != allowed:
        failures.append(
            f"{target.name} accepts releases only from {allowed!r} (release.promote_from), not from "
            f"{lineage.env!r}"
        )
    recorded = source.provenance.bundle_digest
    actual = bundle_digest(source)
    if recorded is not None and recorded != actual:
        failures.append(
            f"{lineage.env}'s manifest was edited after release {source.release} was promoted into it "
            f"(bundle {recorded} recorded, {actual} now); promote it into {lineage.env} again"
        )
    upstream = lineage.cfg.release.promote_from
    if allowed is not None and upstream is not None and source.provenance.promoted_from != upstream:
        failures.append(
            f"release {source.release} did not reach {lineage.env} through promotion from {upstream!r} "
            f"(provenance.promoted_from is {source.provenance.promoted_from!r}); only a promoted bundle moves on"
        )
    if lineage.expected_release is not None and source.release != lineage.expected_release:
        failures.append(
            f"{lineage.env} runs release {source.release}, not {lineage.expected_release} (--release)"
        )
    failures += _bundle_differences(lineage.env, source, candidate)
    if failures:
        return GateResult(LINEAGE, False, tuple(failures))
    return GateResult(
        LINEAGE, True, (f"release {source.release} is exactly what {lineage.env} runs (bundle {actual})",)
    )


def _bundle_differences(source_env: str, source: ReleaseManifest, candidate: ReleaseManifest) -> list[str]:
    ours, theirs = bundle_of(candidate), bundle_of(source)
    found = []
    if ours["release"] != theirs["release"]:
        found.append(f"release id {ours['release']} differs from {source_env}'s {theirs['release']}")
    for kind, key in (("pipelines", "digest"), ("models", "artifact_uri"), ("models", "serving_image")):
        for name in sorted(set(ours[kind]) | set(theirs[kind])):
            mine, src = ours[kind].get(name, {}).get(key), theirs[kind].get(name, {}).get(key)
            if mine != src:
                found.append(f"{kind}.{name}.{key}: {mine} differs from what {source_env} runs ({src})")
    if ours.get("gateway") != theirs.get("gateway"):
        found.append(f"gateway: {ours.get('gateway')} differs from what {source_env} runs ({theirs.get('gateway')})")
    if ours["evaluation"] != theirs["evaluation"]:
        found.append(f"evaluation differs from {source_env}'s")
    if ours["built_from"] != theirs["built_from"]:
        found.append(f"built_from {ours['built_from']} differs from {source_env}'s {theirs['built_from']}")
    return found
