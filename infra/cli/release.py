"""`mlops release cut`, `mlops promote`, `mlops rollback` and `mlops canary finish|abort`: move releases into
and between environments.

Each command finds the project once (`--project-dir`, else upward from the current directory), calls one
service function of `infra.release` and prints its outcome. Exit codes: 0 cut / promoted / rolled back /
canary ended / nothing to do, 1 a gate failed, nothing to roll back to or no canary to end (nothing changed),
2 invalid input (raised as UserInputError and printed by the app).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project
from infra.layout import Project

if TYPE_CHECKING:
    from rich.console import Console

    from infra.release.cut import CutOutcome
    from infra.release.promote import PromotionOutcome
    from infra.release.rollback import RollbackOutcome

EXIT_BLOCKED = 1

By = Annotated[str | None, typer.Option("--by", help="Who acts (default: git user.email, else the login name).")]
CommitOption = Annotated[
    str | None, typer.Option("--commit", help="Commit recorded in provenance (default: the checkout's HEAD).")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Run every gate and print the diff; write nothing.")]

release_app = typer.Typer(help="Cut a release into an environment from a tuning run.", no_args_is_help=True)
canary_app = typer.Typer(
    help="End the canary a promotion started: finish (all traffic to the new version) or abort (roll back).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """`promote` and `rollback` as top-level commands, `release` and `canary` as groups."""
    app.command("promote")(promote_command)
    app.command("rollback")(rollback_command)
    app.add_typer(release_app, name="release")
    app.add_typer(canary_app, name="canary")


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _commit(project: Project, given: str | None) -> str:
    from infra.release.checkout import head

    commit = given or head(project)
    if not commit:
        raise UserInputError.single(
            "--commit",
            "",
            f"cannot read the current commit of {project.display(project.root)} (not a git checkout?); "
            "pass --commit <sha> of the revision you are promoting from",
        )
    return commit


def _who(project: Project, given: str | None) -> str:
    from infra.release.checkout import who

    return who(project, given)


def _shown(project: Project, path: Path | None) -> str:
    """A written file as messages show it: relative to the current directory when under it."""
    return project.display(path) if path is not None else "none"


def _print_gated(
    out: Console,
    outcome: PromotionOutcome | CutOutcome,
    *,
    dry_status: str,
    target: str,
    blocked: Callable[[str], str],
    done: Callable[[str], str],
) -> None:
    """What a gated release change prints: each gate, then blocked (exit 1), the dry run, or what was written.

    `blocked` gets the failed gates, `done` the candidate's release id.
    """
    for result in outcome.gates:
        out.print(result.render(), markup=False)
    if outcome.status == "blocked":
        out.print(blocked(", ".join(g.gate for g in outcome.failed)), markup=False)
        raise typer.Exit(EXIT_BLOCKED)
    release = outcome.candidate.release if outcome.candidate is not None else "?"
    out.print(outcome.diff, markup=False, end="")
    if outcome.status == dry_status:
        out.print(f"dry run: release {release} passes every gate into {target}; nothing was written", markup=False)
        return
    out.print(done(release), markup=False)


def _print_rollback(out: Console, outcome: RollbackOutcome, summary: str) -> None:
    out.print(outcome.diff, markup=False, end="")
    for warning in outcome.warnings:
        out.print(f"warning: {warning}", markup=False)
    out.print(summary, markup=False)


def promote_command(
    source: Annotated[str, typer.Option("--from", help="Environment the release comes from (dev, staging).")],
    target: Annotated[str, typer.Option("--to", help="Environment to promote into (staging, prod).")],
    approve_by: Annotated[
        str | None,
        typer.Option(
            "--approve-by", help="Approver recorded in the manifest (required where the target requires one)."
        ),
    ] = None,
    by: By = None,
    release: Annotated[
        str | None, typer.Option("--release", help="Promote only if the source runs exactly this release id.")
    ] = None,
    canary: Annotated[
        int | None,
        typer.Option(
            "--canary",
            min=0,
            max=50,
            help="Start the new model version at this traffic percent, the previous version keeping the rest until "
            "`mlops canary finish|abort` (default: release.canary_percent of TARGET; 0 = all at once).",
        ),
    ] = None,
    skip_policy_check: Annotated[
        str | None,
        typer.Option(
            "--skip-policy-check",
            metavar="REASON",
            help="Promote without the policy gate; the reason is recorded in the manifest's provenance. "
            "Refused for a production-tier target.",
        ),
    ] = None,
    allow_backward: Annotated[
        bool,
        typer.Option(
            "--allow-backward",
            help="Promote against the environments' order (into a less protected tier, or up TARGET's "
            "promote_from chain), e.g. to reproduce a production release in dev; refused without it.",
        ),
    ] = False,
    commit: CommitOption = None,
    dry_run: DryRun = False,
    project_dir: ProjectDirOption = None,
) -> None:
    """Move the release bundle SOURCE runs into TARGET through its gates; print TARGET's diff.

    Gates: evaluation (TARGET's release.evaluation_gates), policy (offline synth + policy pack),
    lineage (TARGET's release.promote_from; exactly the bundle SOURCE runs), approval (--approve-by).
    Exit 0 promoted (or nothing to promote), 1 a gate failed and nothing changed, 2 invalid input.
    """
    from infra.release.promote import PromotionRequest, promote

    project = find_project(project_dir)
    if skip_policy_check is not None and not skip_policy_check.strip():
        raise UserInputError.single("--skip-policy-check", "", "give the reason for skipping the policy gate")
    request = PromotionRequest(
        source_env=source,
        target_env=target,
        promoted_by=_who(project, by),
        commit=_commit(project, commit),
        approve_by=approve_by,
        expected_release=release,
        canary_percent=canary,
        skip_policy_check=skip_policy_check,
        allow_backward=allow_backward,
        dry_run=dry_run,
    )
    outcome = promote(request, project)
    out = _console()
    if outcome.status == "unchanged":
        running = outcome.candidate.release if outcome.candidate else "?"
        out.print(f"{target} already runs release {running}; nothing to promote", markup=False)
        return
    show = project.display
    saved = f"; previous manifest kept at {show(outcome.history_path)}" if outcome.history_path else ""
    _print_gated(
        out, outcome, dry_status="would-promote", target=target,
        blocked=lambda failed: f"promotion of {source} -> {target} blocked by gate(s): {failed}; nothing was changed",
        done=lambda release: (f"promoted release {release} {source} -> {target}: wrote {show(outcome.manifest_path)}"
                              f"{saved}; release record {_shown(project, outcome.record_path)}"),
    )


def rollback_command(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to roll back.")],
    by: By = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse (exit 1) when the restored release's artifacts are outside ENV's release.artifacts "
            "(default: roll back and warn).",
        ),
    ] = False,
    project_dir: ProjectDirOption = None,
) -> None:
    """Return ENV to the release it ran before the current one (from environments/releases/ENV/).

    Exit 0 rolled back, 1 no earlier release recorded or --strict refused it (nothing changed), 2 invalid input.
    """
    from infra.release.rollback import RollbackRefused, rollback

    project = find_project(project_dir)
    out = _console()
    try:
        outcome = rollback(env, project, _who(project, by), strict=strict)
    except RollbackRefused as exc:
        out.print(f"rollback refused: {exc}", markup=False)
        raise typer.Exit(EXIT_BLOCKED) from None
    _print_rollback(
        out, outcome,
        f"rolled back {env}: {outcome.replaced_release} -> {outcome.restored_release}; "
        f"replaced manifest archived at {project.display(outcome.archived_path)}; "
        f"release record {_shown(project, outcome.record_path)}",
    )


@release_app.command("cut")
def release_cut(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to cut into (dev).")],
    candidate: Annotated[
        Path, typer.Option("--candidate", help="Candidate record (candidate.json) written by a tuning run.")
    ],
    release: Annotated[
        str | None, typer.Option("--release", help="Release id (default r<YYYY-MM-DD>-<n>, the next unused).")
    ] = None,
    by: By = None,
    commit: CommitOption = None,
    dry_run: DryRun = False,
    project_dir: ProjectDirOption = None,
) -> None:
    """Write ENV's release manifest from a candidate record; print the gates and the diff.

    Gates: candidate (its template digest is compiled from this tree, sources committed, artifacts in
    release.artifacts), evaluation (report digest and metrics, ENV's release.evaluation_gates), policy.
    Exit 0 cut, 1 a gate failed and nothing was written, 2 invalid record or input.
    """
    from infra.release.cut import CutRequest, cut_release

    project = find_project(project_dir)
    outcome = cut_release(CutRequest(env, candidate, _who(project, by), release, commit, dry_run), project)
    show = project.display
    saved = f"; previous manifest kept at {show(outcome.history_path)}" if outcome.history_path else ""
    _print_gated(
        _console(), outcome, dry_status="would-cut", target=env,
        blocked=lambda failed: f"release cut into {env} blocked by gate(s): {failed}; nothing was written",
        done=lambda release: (f"cut release {release} into {env}: wrote {show(outcome.manifest_path)}{saved}; "
                              f"release record {_shown(project, outcome.record_path)}"),
    )


@canary_app.command("finish")
def canary_finish(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment whose canary ends.")],
    by: By = None,
    project_dir: ProjectDirOption = None,
) -> None:
    """Move all traffic to the release's new model versions and drop the previous ones; print the diff.

    The canary manifest is kept in environments/releases/ENV/ (a rollback returns to it).
    Exit 0 finished, 1 ENV is not in a canary (nothing changed), 2 invalid input.
    """
    from infra.release.canary import CanaryRefused, finish_canary

    project = find_project(project_dir)
    out = _console()
    try:
        outcome = finish_canary(env, project, _who(project, by))
    except CanaryRefused as exc:
        out.print(f"canary finish refused: {exc}", markup=False)
        raise typer.Exit(EXIT_BLOCKED) from None
    out.print(outcome.diff, markup=False, end="")
    dropped = ", ".join(f"{model} (previous {release})" for model, release in outcome.finished.items())
    out.print(
        f"finished the canary of release {outcome.release} in {env}: 100% to the new version of {dropped}; "
        f"wrote {project.display(outcome.manifest_path)}; canary manifest kept at "
        f"{project.display(outcome.history_path)}; release record {_shown(project, outcome.record_path)}",
        markup=False,
    )


@canary_app.command("abort")
def canary_abort(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment whose canary is abandoned.")],
    by: By = None,
    project_dir: ProjectDirOption = None,
) -> None:
    """Return ENV to the release the canary replaced (100% to the previous version); print the diff.

    A rollback that first checks ENV is in a canary and its newest history entry is the replaced release.
    Exit 0 aborted, 1 ENV is not in a canary or its history does not lead back (nothing changed), 2 invalid input.
    """
    from infra.release.canary import CanaryRefused, abort_canary

    project = find_project(project_dir)
    out = _console()
    try:
        outcome = abort_canary(env, project, _who(project, by))
    except CanaryRefused as exc:
        out.print(f"canary abort refused: {exc}", markup=False)
        raise typer.Exit(EXIT_BLOCKED) from None
    _print_rollback(
        out, outcome,
        f"aborted the canary in {env}: {outcome.replaced_release} -> {outcome.restored_release} (100%); "
        f"canary manifest archived at {project.display(outcome.archived_path)}; "
        f"release record {_shown(project, outcome.record_path)}",
    )
