"""What a real engine run must have before it starts: the policy pack, and an explicit yes for production.

The policy pack (`<project>/policies`, the same rules as `mlops check`) runs with every preview and up by
default; `--no-policy-pack` opts out only on a non-production tier. `up` and `destroy` of a production-tier
stack need `--yes`: the command never prompts (CI has no terminal), so the confirmation is the flag itself,
given after reviewing `mlops preview` / `mlops plan` or behind a CI environment approval.

A stack whose file carries no platform config (`genai-mlops:environment`) has no known tier and gets the
production safeguards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.errors import UserInputError
from contracts.tier import PRODUCTION_TIER, is_production
from infra.config.loader import CONFIG_KEY, load_environment
from infra.engine.settings import EngineSettings
from infra.layout import Project
from infra.synth.project import load_stack_config

DEFAULT_POLICY_PACK = "policies"
PACK_FILE = "PulumiPolicy.yaml"


@dataclass(frozen=True)
class StackTier:
    """The stack's tier, and where it was read."""

    tier: str
    source: str

    @property
    def production(self) -> bool:
        return is_production(self.tier)


def stack_tier(settings: EngineSettings) -> StackTier:
    """The `tier` of the stack's environment config; production when the stack has no platform config."""
    stack_file = settings.project.stack_file(settings.stack)
    if CONFIG_KEY not in load_stack_config(settings.project, settings.stack).values:
        return StackTier(PRODUCTION_TIER, f"{stack_file} has no {CONFIG_KEY}: tier unknown, treated as production")
    cfg = load_environment(settings.stack, Project(settings.project.root))  # invalid config -> exit 2 with key paths
    return StackTier(cfg.tier, f"{stack_file} {CONFIG_KEY}.tier")


def require_confirmation(operation: str, settings: EngineSettings, tier: StackTier, yes: bool) -> None:
    """`up` / `destroy` of a production-tier stack only with `--yes` (never a prompt)."""
    if yes or operation not in ("up", "destroy") or not tier.production:
        return
    raise UserInputError.single(
        "--yes",
        "",
        f"`mlops {operation} --env {settings.stack}` changes a production-tier environment ({tier.source}); "
        f"review `mlops preview --env {settings.stack}` (or `mlops plan`) first, then re-run with --yes "
        "(in CI, behind the environment's required reviewers)",
        summary="confirmation required",
    )


def resolve_policy_pack(settings: EngineSettings, tier: StackTier, explicit: Path | None, opt_out: bool) -> Path | None:
    """The CrossGuard pack to run: `explicit`, else `<project>/policies`; None only for an allowed opt-out."""
    if opt_out and explicit is not None:
        raise UserInputError.single(
            "--no-policy-pack", "", "conflicts with --policy-pack; give one of them", summary="conflicting options"
        )
    if opt_out:
        if tier.production:
            raise UserInputError.single(
                "--no-policy-pack",
                "",
                f"{settings.stack} is a production-tier environment ({tier.source}); the policy pack always runs "
                "there: drop --no-policy-pack (fix violations, or suppress a rule with a written reason in "
                "policies/levels.yaml)",
                summary="policy pack required in production",
            )
        return None
    default_pack = (settings.project.root / DEFAULT_POLICY_PACK).resolve()
    if tier.production and explicit is not None and explicit.resolve() != default_pack:
        raise UserInputError.single(
            "--policy-pack",
            str(explicit),
            f"{settings.stack} is a production-tier environment ({tier.source}); only the project's own pack "
            f"({default_pack}) runs there: drop --policy-pack (change rules or levels in the pack, reviewed)",
            summary="policy pack fixed in production",
        )
    pack = (explicit if explicit is not None else default_pack).resolve()
    if not (pack / PACK_FILE).is_file():
        origin = "--policy-pack" if explicit is not None else "the default policy pack"
        opt_out_hint = "" if tier.production else ", or --no-policy-pack to run without one (non-production only)"
        raise UserInputError.single(
            origin,
            "",
            f"{pack} is not a policy pack (no {PACK_FILE}); pass --policy-pack DIR of a CrossGuard pack{opt_out_hint}",
            summary="policy pack not found",
        )
    return pack
