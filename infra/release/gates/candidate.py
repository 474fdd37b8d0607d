"""The candidate gate of a release cut: the tuning run executed a template this tree compiles to, the pipeline
sources are committed (so `provenance.built_from` reproduces the templates), and the model artifacts and image
are in the shared release location every environment reads (`release.artifacts`).
"""

from __future__ import annotations

from infra.release.checks import artifact_source_problems
from infra.release.gates.base import CANDIDATE, GateContext, GateResult
from infra.release.schema import ModelRelease, ReleaseManifest


def check(context: GateContext) -> GateResult:
    """The record's run, sources and artifacts are what a release may be cut from."""
    cut, cfg = context.cut, context.target
    if cut is None:
        raise ValueError("the candidate gate judges a release cut: the context needs its candidate record")
    record, digests = cut.record, cut.template_digests
    failures = []
    if record.pipeline_digest not in digests.values():
        failures.append(
            f"pipeline_digest {record.pipeline_digest} matches no template compiled from this tree ("
            + ", ".join(f"{name} {digest}" for name, digest in sorted(digests.items()))
            + "); cut from the commit the tuning run was built from"
        )
    dirty = list(cut.uncommitted)
    if dirty:
        failures.append(
            f"the pipeline sources have uncommitted changes ({', '.join(dirty[:3])}{' ...' if len(dirty) > 3 else ''})"
            "; commit them so provenance.built_from reproduces the templates"
        )
    if cfg.release.artifacts is None:
        failures.append(
            f"{cfg.name} sets no release.artifacts: a cut release must come from the shared release location "
            "every environment reads; set release.artifacts in the stack file"
        )
    else:
        probe = ModelRelease.model_construct(artifact_uri=record.artifact_uri, serving_image=record.serving_image)
        draft = ReleaseManifest.model_construct(models={record.model: probe})
        failures += [p.message for p in artifact_source_problems(draft, cfg, cut.manifest_path)]
    if failures or cfg.release.artifacts is None:
        return GateResult(CANDIDATE, False, tuple(failures))
    matched = next(name for name, digest in digests.items() if digest == record.pipeline_digest)
    return GateResult(
        CANDIDATE, True,
        (f"run {record.tuning_run} executed the {matched} template compiled from this tree ({record.pipeline_digest})",
         f"artifacts and image are in the shared release location ({cfg.release.artifacts.bucket})"),
    )
