"""Plugin executables the engine launches for a rehearsal: the loopback `gcp` provider and the policy pack.

The engine finds a resource plugin `pulumi-resource-<name>` on PATH (an ambient plugin) and runs a policy pack
given as an executable file directly, as a binary analyzer; both then print their port and speak gRPC. The
launchers run this interpreter (the project's virtualenv), so the plugins import `infra` and `policies` from
the same installation as the program.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

GCP_PLUGIN = "pulumi-resource-gcp"
POLICY_LAUNCHER = "policy-pack"


def _write_launcher(path: Path, command: str) -> Path:
    path.write_text(f"#!/bin/sh\nexec {command} \"$@\"\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def write_gcp_plugin(bin_dir: Path) -> Path:
    """`pulumi-resource-gcp` in `bin_dir`: put `bin_dir` first on the engine's PATH to load it as `gcp`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    return _write_launcher(bin_dir / GCP_PLUGIN, f"{shlex.quote(sys.executable)} -u -m infra.rehearsal.gcp_provider")


def write_policy_launcher(bin_dir: Path, pack_dir: Path, stack: str) -> Path:
    """An executable that starts the CrossGuard pack in `pack_dir` for `stack` (pass it as the policy pack).

    Without the Python language host the CLI cannot start a pack directory (it asks the `python` language
    runtime to run it); as an executable the pack runs directly, with the same rules and levels.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    command = (
        f"env PULUMI_STACK={shlex.quote(stack)} {shlex.quote(sys.executable)} "
        f"{shlex.quote(str(pack_dir.resolve() / '__main__.py'))}"
    )
    return _write_launcher(bin_dir / POLICY_LAUNCHER, command)
