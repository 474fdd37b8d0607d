"""Run preview / up / destroy through the Automation API with streamed output; failures keep their code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from infra.engine.preflight import INSTALL_HINT, require_cli, require_gcp_credentials, require_passphrase
from infra.engine.settings import EngineSettings

OPERATIONS = ("preview", "up", "destroy")


def _exit_code(exc: Exception) -> int:
    match = re.search(r"code: (-?\d+)", str(exc))
    code = int(match.group(1)) if match else 1
    return code if code > 0 else 1


def run_operation(
    operation: str,
    settings: EngineSettings,
    on_output: Callable[[str], None],
    policy_pack: Path | None = None,
) -> int:
    """Preflight (CLI, passphrase, credentials), then the operation; returns the process exit code."""
    if operation not in OPERATIONS:
        raise UserInputError.single("operation", "", f"{operation!r}; expected one of {', '.join(OPERATIONS)}")
    require_cli()
    require_passphrase(settings)
    require_gcp_credentials()

    import tempfile

    from pulumi.automation import errors

    from infra.engine.templates import prepare_templates
    from infra.engine.workspace import open_stack
    from infra.rehearsal.plugins import write_policy_launcher
    from infra.synth.runner import pulumi_pickler_restored

    if operation != "destroy":
        prepare_templates(settings, on_output)
    try:
        stack = open_stack(settings)
    except FileNotFoundError as exc:  # the Automation API's bare "pulumi" not found
        raise UserInputError.single("pulumi", "", f"cannot start the Pulumi CLI ({exc}): {INSTALL_HINT}") from None
    # The inline program serializes dynamic providers in this process: leave the pickler as it was.
    with tempfile.TemporaryDirectory(prefix="mlops-engine-") as scratch, pulumi_pickler_restored():
        # The pack runs as an executable analyzer: the same rules, without needing the Python language host.
        packs = [str(write_policy_launcher(Path(scratch), policy_pack, settings.stack))] if policy_pack else None
        try:
            if operation in ("preview", "up"):
                # `up` previews first, as `pulumi up` does: a mandatory finding stops it before any change.
                stack.preview(on_output=on_output, diff=True, policy_packs=packs)
            if operation == "up":
                stack.up(on_output=on_output, policy_packs=packs)
            elif operation == "destroy":
                stack.destroy(on_output=on_output)
        except errors.CommandError as exc:
            on_output(f"pulumi {operation} failed on {settings.stack}")
            return _exit_code(exc)
    return 0


def detect_drift(settings: EngineSettings, on_output: Callable[[str], None]) -> list[dict[str, Any]]:
    """`pulumi refresh --preview-only` of the stack: the resources whose live state differs from the recorded
    one, with the properties that differ (nothing is written)."""
    require_cli()
    require_passphrase(settings)
    require_gcp_credentials()

    from pulumi.automation import errors

    from infra.engine.workspace import open_stack
    from infra.synth.runner import pulumi_pickler_restored

    events: list[Any] = []
    try:
        with pulumi_pickler_restored():
            open_stack(settings).refresh(preview_only=True, on_output=on_output, on_event=events.append)
    except errors.CommandError as exc:
        raise UserInputError.single("pulumi refresh", "", f"the refresh preview failed: {exc}") from None
    found = []
    for event in events:
        step = event.res_outputs_event
        if step is not None and step.metadata.op.value in ("update", "delete"):
            meta = step.metadata
            found.append(
                {"urn": meta.urn, "type": meta.type, "op": meta.op.value, "properties": sorted(meta.diffs or [])}
            )
    return found
