"""Cloud Run services and jobs run container images pinned by digest, never by a tag.

A tag (`:latest`, `:r2026-12-01`) can be moved to other bytes at any time: the next revision or the next
instance then runs an image nobody reviewed, and a rollback cannot return to what ran before. A digest
(`<image>@sha256:<64 hex>`) names exactly one image, which is what the release manifest records.
"""

import re
from collections.abc import Mapping

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import MISSING, is_unknown, lookup, undetermined
from policies.workloads import WORKLOADS

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
TYPES = frozenset(resource_type for resource_type, w in WORKLOADS.items() if w.containers is not None)


def _fix(path: str) -> str:
    return f"set {path} to the image pinned by digest (<registry>/<path>@sha256:<64 hex>), as the release records it"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    path = WORKLOADS[resource_type].containers
    assert path is not None  # noqa: S101 - every type this rule applies to has containers
    containers = lookup(inputs, path)
    if is_unknown(containers):
        return [undetermined(path, _fix(f"{path}[*].image"))]
    if containers is MISSING or not isinstance(containers, list) or not containers:
        return [Finding(f"{path} is unset; {_fix(f'{path}[0].image')}")]
    findings = []
    for index, container in enumerate(containers):
        where = f"{path}[{index}].image"
        image = container.get("image", MISSING) if isinstance(container, Mapping) else MISSING
        if is_unknown(image):
            findings.append(undetermined(where, _fix(where)))
        elif image is MISSING or not isinstance(image, str) or not image:
            findings.append(Finding(f"{where} is unset; {_fix(where)}"))
        elif not DIGEST.search(image):
            findings.append(Finding(f"{where} is {image!r}, a tag that can move; {_fix(where)}"))
    return findings


RULE = ResourceRule(
    id="run-image-pinned-by-digest",
    description=(
        "Cloud Run services and jobs run images pinned by sha256 digest, so every instance runs the reviewed "
        "bytes. No Checkov or Trivy GCP check covers it; it is the supply-chain practice of SLSA and Binary "
        "Authorization."
    ),
    service="run",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=TYPES,
    check=check,
)
