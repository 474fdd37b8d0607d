"""Docker repositories have immutable tags, so a released tag always names the image that was tested."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import REPOSITORY
from policies.values import is_unknown, lookup, require_true, undetermined

FIX = 'set docker_config={"immutable_tags": True} on the repository'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    repository_format = lookup(inputs, "format")
    if is_unknown(repository_format):
        return [undetermined("format", FIX)]
    if not isinstance(repository_format, str) or repository_format.upper() != "DOCKER":
        return []
    mode = lookup(inputs, "mode")
    if is_unknown(mode):
        return [undetermined("mode", FIX)]
    if isinstance(mode, str) and mode != "STANDARD_REPOSITORY":
        return []  # remote and virtual repositories proxy other registries and cannot pin tags
    return require_true(inputs, "dockerConfig.immutableTags", FIX)


RULE = ResourceRule(
    id="artifactregistry-docker-immutable-tags",
    description="Artifact Registry Docker repositories have immutable tags.",
    service="artifactregistry",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=frozenset({REPOSITORY}),
    check=check,
)
