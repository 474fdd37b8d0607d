"""The bundle: the part of a release that travels unchanged from one environment to the next.

Release id, template digests, model versions (artifacts, serving image, description, tuning lineage),
the gateway image, the evaluation with its report digest, and `built_from`. Schedules, deployments and
traffic splits are each environment's own and stay out, so the bundle digest proves a promotion moved
exactly what passed upstream.
"""

from __future__ import annotations

import hashlib
from typing import Any

from contracts.fsutil import canonical_json
from infra.release.schema import ReleaseManifest


def bundle_of(manifest: ReleaseManifest) -> dict[str, Any]:
    """The parts promotion carries unchanged: release id, template digests, model versions, evaluation."""
    return {
        "release": manifest.release,
        "pipelines": {
            n: {"package": p.package, "compiled": p.compiled, "digest": p.digest}
            for n, p in sorted(manifest.pipelines.items())
        },
        "models": {
            n: {
                **m.version_identity(),
                "description": m.description,
                "tuned_model": m.tuned_model.model_dump() if m.tuned_model else None,
            }
            for n, m in sorted(manifest.models.items())
        },
        # only when pinned: a manifest without a gateway keeps the digest it had before the field
        **({"gateway": {"image": manifest.gateway.image}} if manifest.gateway else {}),
        # exclude_none: a manifest without the optional report_digest keeps the digest it had before the field
        "evaluation": manifest.evaluation.model_dump(mode="json", exclude_none=True),
        "built_from": manifest.provenance.built_from,
    }


def bundle_digest(manifest: ReleaseManifest) -> str:
    """`sha256:` of the canonical JSON of the bundle (stable across runs and key order)."""
    return "sha256:" + hashlib.sha256(canonical_json(bundle_of(manifest)).encode("utf-8")).hexdigest()
