"""What "production" means: a stack's `tier`, never its name (a `prod-eu` staging stack is not production).

The config model, the policy levels, the engine's safeguards and the promotion gates all decide it here.
"""

from __future__ import annotations

from typing import Final

PRODUCTION_TIER: Final = "production"
TIERS: Final = ("development", "staging", PRODUCTION_TIER)
"""Every tier an environment may declare, least to most protected."""


def is_production(tier: str | None) -> bool:
    """True for the production tier only; an unknown or missing tier is not production here (callers that
    must fail safe on a missing tier, such as the engine's confirmation, decide that themselves)."""
    return tier == PRODUCTION_TIER
