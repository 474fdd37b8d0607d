"""An adopted project's own settings are reported as not verifiable, never silently skipped.

A stack that adopts an existing project (prod here) declares no `Project` resource, so the project rules
(`project-no-default-network`, `project-deletion-policy-prevent`) have nothing to look at, offline or in the
engine. This stack rule names each project the stack's resources live in but do not create (the adopted project,
a shared artifacts project), as an undetermined
finding: reported (at most advisory), so the reviewer checks the project by hand instead of reading silence as
compliance.
"""

from collections.abc import Sequence

from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import PROJECT
from policies.values import is_unknown, lookup

CHECK = (
    "verify it outside this stack: `gcloud compute networks describe default --project {project}` must find no "
    "network, and the project must keep a lien or deletion protection (`gcloud alpha resource-manager liens list "
    "--project {project}`)"
)


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    created = {lookup(r.inputs, "projectId") for r in resources if r.type == PROJECT}
    used = {
        value
        for r in resources
        if r.type != PROJECT and isinstance(value := lookup(r.inputs, "project"), str) and not is_unknown(value)
    }
    return [
        Finding(
            f"project {project} is used but not created by this stack (adopted or shared): its default network "
            f"and deletion policy cannot be checked by the pack; {CHECK.format(project=project)}",
            undetermined=True,
        )
        for project in sorted(used - created)
    ]


RULE = StackRule(
    id="project-adopted-not-verifiable",
    description="Projects a stack adopts are reported as not verifiable by the project rules.",
    service="project",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    references=("CKV_GCP_27", "CIS GCP 3.1"),
    check_stack=check_stack,
)
