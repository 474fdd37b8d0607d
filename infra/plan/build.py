"""The offline plan: synth every environment, check policies, diff each against the base, in one pass.

Base (what the change is compared with): `--base GITREF` if given, else the merge-base of HEAD with the default
branch (`origin/HEAD`, `origin/main`, ...), else HEAD; with no commits at all (or no stack file / program at the
base) every resource is a create. The base is synthesised from a temporary worktree in one child process that
runs while the working tree's environments are synthesised and checked in this one; when the working tree has
exactly the base commit's content (a fresh clone), the working tree's snapshots are the base and no worktree
is made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.diff import StackDiff, diff_snapshots
from infra.diff.gitref import (
    default_branch_ref,
    has_commits,
    merge_base,
    repo_root,
    resolve_commit,
    working_tree_matches,
)
from infra.diff.sources import synth_at_ref_started
from infra.errors import UserInputError
from infra.plan.policy import PolicyOutcome, check_policies
from infra.synth import default_project_dir, synth_result
from infra.synth.api import SynthError
from infra.synth.project import load_project

Progress = Callable[[str], None]


@dataclass
class EnvPlan:
    stack: str
    document: dict[str, Any]
    diff: StackDiff
    policy: PolicyOutcome
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    base_label: str
    envs: list[EnvPlan]

    @property
    def exit_code(self) -> int:
        return 1 if any(env.policy.failed for env in self.envs) else 0


@dataclass
class BaseChoice:
    ref: str | None
    label: str


def choose_base(project_dir: Path, base: str | None) -> BaseChoice:
    """Which commit to compare with (see module docstring); `ref=None` means nothing deployed."""
    try:
        repo = repo_root(project_dir)
    except UserInputError:
        if base:
            raise
        return BaseChoice(None, "no git history")
    if base:
        commit = resolve_commit(base, repo)
        return BaseChoice(commit, f"{base} ({commit[:12]})")
    if not has_commits(repo):
        return BaseChoice(None, "no commits yet")
    branch = default_branch_ref(repo)
    if branch:
        fork_point = merge_base("HEAD", branch, repo)
        if fork_point:
            return BaseChoice(fork_point, f"merge-base with {branch} ({fork_point[:12]})")
    head = resolve_commit("HEAD", repo)
    return BaseChoice(head, f"HEAD ({head[:12]})")


def build_plan(
    envs: list[str] | None = None,
    base: str | None = None,
    project_dir: Path | None = None,
    progress: Progress | None = None,
) -> Plan:
    say = progress or (lambda _msg: None)
    project_dir = Path(project_dir or default_project_dir()).resolve()
    project = load_project(project_dir)
    stacks = envs or project.stacks()
    if not stacks:
        raise UserInputError.single(
            str(project.stack_config_dir), "", "no Pulumi.<stack>.yaml stack files found", summary="no environments"
        )
    choice = choose_base(project_dir, base)
    same_as_base = choice.ref is not None and working_tree_matches(choice.ref, repo_root(project_dir))
    with contextlib.ExitStack() as stack_of_contexts:
        pending = None
        if same_as_base:
            say(f"working tree equals {choice.label}: the base is the working tree's synth")
        elif choice.ref is not None:
            say(f"synth base {choice.label}: {', '.join(stacks)} (in the background)")
            pending = stack_of_contexts.enter_context(synth_at_ref_started(stacks, choice.ref, project_dir))
        heads = []
        for stack in stacks:
            say(f"synth {stack}")
            result = synth_result(stack, project_dir)
            say(f"check policies {stack}")
            heads.append((result, check_policies(result.document, stack, project_dir)))
        base_docs: dict[str, dict[str, Any] | None] = dict.fromkeys(stacks)
        if same_as_base:
            base_docs = {stack: result.document for stack, (result, _policy) in zip(stacks, heads, strict=True)}
        base_notes: dict[str, list[str]] = {s: [] for s in stacks}
        if pending is not None:
            say("wait for the base")
            try:
                base_docs = pending.result()
            except (UserInputError, SynthError) as exc:
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                reason = exc.summary if isinstance(exc, UserInputError) else (lines[-1] if lines else "crashed")
                for stack in stacks:
                    base_notes[stack].append(
                        f"base could not be synthesised ({reason}): every resource shows as create"
                    )
    env_plans = []
    for stack, (result, policy) in zip(stacks, heads, strict=True):
        notes = list(base_notes[stack])
        if choice.ref is not None and base_docs.get(stack) is None and not notes:
            notes.append(f"{stack} does not exist at the base: every resource shows as create")
        notes += [f"data source {t} has no offline answer (its fields are unset)" for t in result.unmocked_invokes]
        diff = diff_snapshots(base_docs.get(stack), result.document,
                              base_label=f"{stack}@{choice.label}" if choice.ref else choice.label,
                              head_label=f"{stack} (working tree)")
        env_plans.append(EnvPlan(stack, result.document, diff, policy, notes))
    return Plan(choice.label, env_plans)
