"""The policy gate: the target, synthesized offline with the candidate manifest, has no mandatory violation.

The synth runs the project's own program on a scratch copy of its configuration with the candidate manifest
in place; the pack runs through `policies.check`, as `mlops check` and `mlops plan` run it. When the synth or
the pack cannot run, the gate fails closed.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import UserInputError
from infra.config.loader import read_yaml
from infra.layout import Project
from infra.release.gates.base import POLICY, GateContext, GateResult
from infra.release.schema import ReleaseManifest
from infra.release.store import dump_manifest


class PolicyCheckUnavailable(RuntimeError):
    """The offline synth or the policy engine cannot run here; the gate fails closed."""


def check(context: GateContext) -> GateResult:
    """Run the policy check of the target with the candidate manifest; fail closed when it cannot run."""
    if context.skip_policy_check is not None:
        return GateResult(
            POLICY, True, (f"not run: --skip-policy-check given ({context.skip_policy_check})",), skipped=True
        )
    env, candidate = context.target.name, context.candidate
    if candidate is None:
        raise ValueError("the policy gate judges a built manifest; compose it after the gates that build one")
    try:
        document = synth_candidate(context.project, env, candidate)
        from policies.check import check as check_policies

        report = check_policies(
            document, env, project=context.project, source=f"<synth of {env} with release {candidate.release}>"
        )
    except (PolicyCheckUnavailable, ImportError) as exc:
        return GateResult(
            POLICY,
            False,
            (
                f"could not run the policy check of {env}: {_unavailable(exc)}",
                "the gate fails closed; fix the cause, or pass --skip-policy-check REASON to promote without it "
                "(the reason is recorded in the manifest's provenance; refused for a production-tier target)",
            ),
        )

    def line(v: Any) -> str:
        return f"{v.rule_id} on {v.urn or 'the stack'}: {v.message}"

    if report.mandatory:
        return GateResult(POLICY, False, tuple(f"mandatory: {line(v)}" for v in report.mandatory), snapshot=document)
    notes = [f"{report.resources_evaluated} resources checked, no mandatory violation"]
    notes += [f"advisory: {line(v)}" for v in report.violations if v not in report.mandatory]
    return GateResult(POLICY, True, tuple(notes), snapshot=document)


def _unavailable(exc: Exception) -> str:
    if isinstance(exc, ImportError):
        return f"the offline synth or policy engine is not installed ({exc})"
    return str(exc)


@contextlib.contextmanager
def staged_project(project: Project, env: str, candidate: ReleaseManifest) -> Iterator[Project]:
    """A scratch copy of the project's configuration with the candidate manifest in place.

    Only `Pulumi.yaml` (with `main` pointing back at the real program) and the stack config directory are
    copied, so the synth runs the same program code and reads the candidate instead of the current manifest.
    """
    source_project = read_yaml(project.pulumi_yaml)
    with tempfile.TemporaryDirectory(prefix="mlops-promote-") as tmp:
        scratch = Path(tmp)
        document = dict(source_project)
        document["main"] = str((project.root / str(source_project.get("main") or ".")).resolve())
        document["stackConfigDir"] = "environments"
        (scratch / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        shutil.copytree(project.environments_dir, scratch / "environments")
        staged = Project(scratch)
        staged.release_manifest(env).write_text(dump_manifest(candidate), encoding="utf-8")
        yield staged


def synth_candidate(project: Project, env: str, candidate: ReleaseManifest) -> dict[str, Any]:
    """The target synthesized offline with the candidate manifest (PolicyCheckUnavailable when it cannot be)."""
    try:
        from infra.synth import synth_stack
    except ImportError as exc:
        raise PolicyCheckUnavailable(f"the offline synth or policy engine is not installed ({exc})") from None
    scratch = Path("<scratch project>")
    try:
        with staged_project(project, env, candidate) as staged:
            scratch = staged.root
            document = synth_stack(env, staged)
    except UserInputError as exc:
        text = str(exc).replace(str(scratch), str(project.root))
        raise PolicyCheckUnavailable(f"the program rejected the candidate: {text}") from None
    except Exception as exc:  # a program or synth failure must block the promotion, not crash it
        raise PolicyCheckUnavailable(f"the offline synth of {env} failed: {type(exc).__name__}: {exc}") from exc
    _require_candidate_in(document, candidate)
    return document


def _require_candidate_in(document: dict[str, Any], candidate: ReleaseManifest) -> None:
    """The snapshot must show the candidate's digests; otherwise the check would judge the wrong release."""
    text = repr([r.get("inputs") for r in document.get("resources", [])])
    missing = [p.digest for p in candidate.pipelines.values() if p.digest not in text]
    missing += [m.serving_image for m in candidate.models.values() if m.serving_image not in text]
    if missing:
        raise PolicyCheckUnavailable(
            "the synthesized program does not declare the candidate release (missing "
            f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}); the program must read the release "
            "manifest from the stack config directory of the project being run (Pulumi root directory)"
        )
