"""The offline plan: synth every environment, check policies, diff each against the base, in one pass.

Base (what the change is compared with): `--base GITREF` if given, else the merge-base of HEAD with the default
branch (`origin/HEAD`, `origin/main`, ...), else HEAD; with no commits at all (or no stack file / program at the
base) every resource is a create. The base is synthesised from a temporary worktree in one child process that
runs while the working tree's environments are synthesised and checked in this one; when the working tree has
exactly the base commit's content (a fresh clone), the working tree's snapshots are the base and no worktree
is made. A working-tree stack whose inputs are unchanged since its last synth is read from the synth cache
(`infra.synth.cache`) instead of running its program again. A stack whose file exists at the base but no
longer in the working tree is planned as deleted (every resource a delete), never left out. Dangerous
changes (`infra.diff.danger`) fail the plan unless acknowledged (`infra.plan.acknowledgements`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contracts.errors import UserInputError
from infra.cost import CostChange, cost_change
from infra.diff import StackDiff, diff_snapshots
from infra.diff.danger import Danger, dangers, home_project
from infra.diff.gitref import (
    default_branch_ref,
    has_commits,
    merge_base,
    repo_root,
    resolve_commit,
    working_tree_matches,
)
from infra.diff.sources import PendingRefSynth, synth_at_ref_started
from infra.layout import Project
from infra.plan.acknowledgements import Acknowledgement, load_acknowledgements, parse_flag
from infra.plan.policy import check_policies
from infra.synth import synth_result
from infra.synth.api import SynthError, SynthResult, start_child_synth
from infra.synth.cache import SynthCache
from infra.synth.project import load_project
from infra.synth.runner import PROGRAM_LOGGER

if TYPE_CHECKING:
    from policies.check import Report

Progress = Callable[[str], None]


@dataclass
class EnvPlan:
    stack: str
    document: dict[str, Any]
    diff: StackDiff
    policy: Report | None
    """The pack's report on the stack (`policies.check`); None when not checked (`policy_note` says why)."""
    notes: list[str] = field(default_factory=list)
    dangers: list[Danger] = field(default_factory=list)
    base_document: dict[str, Any] | None = None
    deleted: bool = False
    """The stack file is gone: the diff deletes the whole environment."""
    cost: CostChange | None = None
    policy_note: str = ""

    @property
    def policy_failed(self) -> bool:
        return self.policy is not None and self.policy.failed


@dataclass
class Plan:
    base_label: str
    envs: list[EnvPlan]
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    def acknowledgement_for(self, danger: Danger) -> Acknowledgement | None:
        return next((a for a in self.acknowledgements if a.covers(danger)), None)

    @property
    def unacknowledged(self) -> list[Danger]:
        return [d for env in self.envs for d in env.dangers if self.acknowledgement_for(d) is None]

    @property
    def stale_acknowledgements(self) -> list[Acknowledgement]:
        """Acknowledgements no dangerous change of this plan needs (remove them once merged)."""
        every = [d for env in self.envs for d in env.dangers]
        return [a for a in self.acknowledgements if not any(a.covers(d) for d in every)]

    @property
    def policy_failed(self) -> bool:
        return any(env.policy_failed for env in self.envs)

    @property
    def exit_code(self) -> int:
        """1 on a mandatory policy violation or a dangerous change nobody acknowledged."""
        return 1 if self.policy_failed or self.unacknowledged else 0


@dataclass
class BaseChoice:
    ref: str | None
    label: str


def choose_base(project: Project, base: str | None) -> BaseChoice:
    """Which commit to compare with (see module docstring); `ref=None` means nothing deployed."""
    try:
        repo = repo_root(project.root)
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


def _no_resources(stack: str, base: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of a stack whose stack file is gone: nothing left (what applying it would leave)."""
    return {"version": 1, "project": base.get("project", ""), "stack": stack, "resources": [], "outputs": {}}


def _cost(head: dict[str, Any], base: dict[str, Any] | None, notes: list[str]) -> CostChange | None:
    try:
        return cost_change(head, base)
    except UserInputError as exc:
        notes.append(f"cost not estimated: {exc.problems[0].render() if exc.problems else exc.summary}")
        return None


@dataclass
class _Head:
    """One stack synthesised from the working tree and checked."""

    stack: str
    result: SynthResult
    policy: Report | None
    policy_note: str


def _quiet(_message: str) -> None:
    """Progress sink when the caller wants none."""


def build_plan(
    project: Project,
    envs: list[str] | None = None,
    base: str | None = None,
    progress: Progress | None = None,
    acknowledge: Sequence[str] = (),
    *,
    parallel: bool = False,
) -> Plan:
    """Synth, check and diff `envs` (default every stack) of `project` against `base` (see module docstring).

    `parallel`: synthesise half of the working tree's stacks in a second process when that wins
    (`second_process_wins`); `mlops plan` asks for it, the snapshots are the same either way."""
    say = progress or _quiet
    spec = load_project(project.root)
    acknowledgements = [*load_acknowledgements(project), *(parse_flag(a) for a in acknowledge)]
    stacks = envs or spec.stacks()
    choice = choose_base(project, base)
    if not stacks and choice.ref is None:
        raise UserInputError.single(
            str(spec.stack_config_dir), "", "no Pulumi.<stack>.yaml stack files found", summary="no environments"
        )
    same_as_base = choice.ref is not None and working_tree_matches(choice.ref, repo_root(project.root))
    gone = [s for s in stacks if not spec.stack_file(s).is_file()] if choice.ref and not same_as_base else []
    with contextlib.ExitStack() as contexts:
        pending = None
        if same_as_base:
            say(f"working tree equals {choice.label}: the base is the working tree's synth")
        elif choice.ref is not None:
            say(f"synth base {choice.label}: {', '.join(stacks) or 'every stack'} (in the background)")
            pending = contexts.enter_context(
                synth_at_ref_started(list(stacks), choice.ref, project, every_stack=not envs)
            )
        base_running = pending is not None and pending.child is not None
        heads = _heads(project, [s for s in stacks if s not in gone], say, parallel=parallel and not base_running)
        if same_as_base:
            base_docs: dict[str, dict[str, Any] | None] = {h.stack: h.result.document for h in heads}
            base_notes: dict[str, list[str]] = {s: [] for s in stacks}
        else:
            base_docs, base_notes = _base_documents(pending, stacks, say)
    for stack in gone:
        if base_docs.get(stack) is None:
            synth_result(stack, project)  # raises the unknown-stack error, naming the stack file
    deleted = [s for s, doc in base_docs.items() if doc is not None and not spec.stack_file(s).is_file()]
    env_plans = [_head_plan(head, base_docs.get(head.stack), base_notes.get(head.stack, []), choice) for head in heads]
    env_plans += [_deleted_plan(stack, base_docs[stack] or {}, choice) for stack in deleted]
    return Plan(choice.label, env_plans, acknowledgements)


def _synth(project: Project, stack: str, say: Progress) -> SynthResult:
    say(f"synth {stack}")
    return synth_result(stack, project)


def _checked(project: Project, result: SynthResult, say: Progress) -> _Head:
    say(f"check policies {result.stack}")
    report, note = check_policies(result.document, result.stack, project)
    return _Head(result.stack, result, report, note)


def second_process_wins(stacks: Sequence[str], *, base_running: bool) -> bool:
    """Whether to synthesise part of the working tree's stacks in a second process.

    Only in a cold process (the provider's modules not imported yet, as in a fresh `mlops plan`): both processes
    then pay the imports (~1 s, most of the floor) side by side on two cores instead of one after the other,
    and each synthesises half of the stacks. In a warm process (a second plan in the same interpreter, the
    tests) the child would pay imports this one has already paid, and while the base is synthesised in a child
    process the second core is taken. Measured by `benchmarks/plan_benchmark.py`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return len(stacks) >= 2 and cores >= 2 and not base_running and "pulumi_gcp" not in sys.modules


def _heads(project: Project, stacks: list[str], say: Progress, *, parallel: bool) -> list[_Head]:
    """Every stack of the working tree synthesised (or read from the synth cache when its inputs are unchanged)
    and checked; with `parallel`, the stacks to synthesise are split over two processes where that wins."""
    cache = SynthCache.of(project)
    heads: dict[str, _Head] = {}
    for stack in stacks:
        hit = cache.load(stack) if cache is not None else None
        if hit is not None:
            say(f"synth {stack}: inputs unchanged, read from the synth cache")
            for warning in hit.warnings:  # on stderr as a run of the program says them
                logging.getLogger(PROGRAM_LOGGER).warning(warning)
            heads[stack] = _checked(project, hit, say)
    misses = [stack for stack in stacks if stack not in heads]
    split = parallel and second_process_wins(misses, base_running=False)
    heads.update(_synthesised(project, misses, say, cache, split=split))
    return [heads[stack] for stack in stacks]


def _synthesised(
    project: Project, stacks: list[str], say: Progress, cache: SynthCache | None, *, split: bool
) -> dict[str, _Head]:
    """`stacks` synthesised and checked, each result kept in `cache`; with `split`, the first half in a second
    process (the same snapshots: the child runs this tree's own program).

    This process, which has the SDK imported already, keeps the later stacks: in the environments' order the
    last is production, the largest, with provider modules of its own (`compute` for the gateway's private
    path alone costs ~1.4 s to import). Measured on 2 cores, three shipped stacks, base cached: 3.16 s split
    this way, 3.54 s in one process, 4.31 s with production in the child."""
    def kept(result: SynthResult) -> SynthResult:
        if cache is not None:
            cache.store(result)
        return result

    if not split or len(stacks) < 2:
        return {stack: _checked(project, kept(_synth(project, stack, say)), say) for stack in stacks}
    theirs, mine = stacks[: len(stacks) // 2], stacks[len(stacks) // 2 :]
    say(f"synth {', '.join(theirs)} (in a second process)")
    child = start_child_synth(theirs, project)
    try:
        heads = {stack: _checked(project, kept(_synth(project, stack, say)), say) for stack in mine}
        say(f"wait for {', '.join(theirs)}")
        results = child.result()
    finally:
        child.wait_quietly()
    heads.update((stack, _checked(project, kept(results[stack]), say)) for stack in theirs)
    return heads


def _base_documents(
    pending: PendingRefSynth | None, stacks: list[str], say: Progress
) -> tuple[dict[str, dict[str, Any] | None], dict[str, list[str]]]:
    """The base side's snapshots per stack (None: not at the base), and a note per stack when it failed."""
    base_docs: dict[str, dict[str, Any] | None] = dict.fromkeys(stacks)
    base_notes: dict[str, list[str]] = {s: [] for s in stacks}
    if pending is None:
        return base_docs, base_notes
    say("wait for the base")
    try:
        return pending.result(), base_notes
    except (UserInputError, SynthError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = exc.summary if isinstance(exc, UserInputError) else (lines[-1] if lines else "crashed")
        for stack in stacks:
            base_notes[stack].append(f"base could not be synthesised ({reason}): every resource shows as create")
        return base_docs, base_notes


def _head_plan(head: _Head, base_doc: dict[str, Any] | None, base_notes: list[str], choice: BaseChoice) -> EnvPlan:
    stack, document = head.stack, head.result.document
    notes = list(base_notes)
    if choice.ref is not None and base_doc is None and not notes:
        notes.append(f"{stack} does not exist at the base: every resource shows as create")
    notes += [f"data source {t} has no offline answer (its fields are unset)" for t in head.result.unmocked_invokes]
    notes += [f"the program warns: {warning}" for warning in head.result.warnings]
    diff = diff_snapshots(
        base_doc,
        document,
        base_label=f"{stack}@{choice.label}" if choice.ref else choice.label,
        head_label=f"{stack} (working tree)",
    )
    return EnvPlan(
        stack, document, diff, head.policy, notes, dangers(diff, home_project(document)), base_doc,
        cost=_cost(document, base_doc, notes), policy_note=head.policy_note,
    )


def _deleted_plan(stack: str, base_doc: dict[str, Any], choice: BaseChoice) -> EnvPlan:
    nothing = _no_resources(stack, base_doc)
    diff = diff_snapshots(
        base_doc, nothing, base_label=f"{stack}@{choice.label}", head_label=f"{stack} (stack file deleted)"
    )
    notes = [
        f"the stack file of {stack} was deleted: applying {stack} now would delete every resource of "
        "the environment (run `pulumi destroy` deliberately instead, or restore the file)"
    ]
    return EnvPlan(
        stack, nothing, diff, None, notes, dangers(diff, home_project(base_doc)), base_doc, deleted=True,
        cost=_cost(nothing, base_doc, notes), policy_note="not checked: the stack file was deleted",
    )
