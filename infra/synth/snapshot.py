"""Assemble the pinned snapshot document (DESIGN.md "Offline synth") from a recorded program run.

Default providers are added as resources, as the engine would create them (`pulumi:providers:<pkg>` named
`default_<version>`), with the provider's config namespace as inputs (secret keys masked) plus `version`.
"""

from __future__ import annotations

from typing import Any

from infra.synth import urns
from infra.synth.monitor import Registration
from infra.synth.project import StackConfig
from infra.synth.values import secret_marker

SNAPSHOT_VERSION = 1


def resource_entry(
    urn: str,
    type_: str,
    name: str,
    inputs: dict[str, Any],
    *,
    custom: bool = True,
    parent: str | None = None,
    provider: str | None = None,
    protect: bool = False,
    retain_on_delete: bool = False,
    dependencies: list[str] | None = None,
    ignore_changes: list[str] | None = None,
    replace_on_changes: list[str] | None = None,
    aliases: list[str] | None = None,
) -> dict[str, Any]:
    """One entry of the snapshot's `resources`, in the pinned key order; unset options as the engine leaves them."""
    return {
        "urn": urn,
        "type": type_,
        "name": name,
        "custom": custom,
        "parent": parent,
        "provider": provider,
        "protect": protect,
        "retainOnDelete": retain_on_delete,
        "dependencies": [] if dependencies is None else dependencies,
        "ignoreChanges": [] if ignore_changes is None else ignore_changes,
        "replaceOnChanges": [] if replace_on_changes is None else replace_on_changes,
        "aliases": [] if aliases is None else aliases,
        "inputs": inputs,
    }


def _resource(reg: Registration) -> dict[str, Any]:
    return resource_entry(
        reg.urn,
        reg.type,
        reg.name,
        reg.inputs,
        custom=reg.custom,
        parent=reg.parent,
        provider=reg.provider,
        protect=reg.protect,
        retain_on_delete=reg.retain_on_delete,
        dependencies=reg.dependencies,
        ignore_changes=reg.ignore_changes,
        replace_on_changes=reg.replace_on_changes,
        aliases=reg.aliases,
    )


def _default_provider(urn: str, package: str, version: str, config: StackConfig) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for key, value in config.namespace(package).items():
        inputs[key] = secret_marker() if f"{package}:{key}" in config.secret_keys else value
    if version:
        inputs["version"] = version
    return resource_entry(
        urn, f"{urns.PROVIDER_TYPE_PREFIX}{package}", urns.urn_name(urn), dict(sorted(inputs.items()))
    )


def build_snapshot(
    project: str, stack: str, registrations: list[Registration], outputs: dict[str, Any], config: StackConfig
) -> dict[str, Any]:
    """The snapshot document: resources (registered + default providers) sorted by URN, stack outputs."""
    resources = {reg.urn: _resource(reg) for reg in registrations}
    for reg in registrations:
        if reg.provider and reg.provider not in resources and urns.urn_name(reg.provider).startswith("default"):
            package = urns.package_of(urns.qualified_type(reg.provider))
            resources[reg.provider] = _default_provider(reg.provider, package, reg.provider_version, config)
    return {
        "version": SNAPSHOT_VERSION,
        "project": project,
        "stack": stack,
        "resources": [resources[urn] for urn in sorted(resources)],
        "outputs": dict(sorted(outputs.items())),
    }
