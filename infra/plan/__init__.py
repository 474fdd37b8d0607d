"""`mlops plan`: synth every environment, check policies, diff against the base, render one report."""

from __future__ import annotations

from infra.plan.build import EnvPlan, Plan, build_plan, choose_base
from infra.plan.render import plan_json, plan_markdown, plan_text

__all__ = ["EnvPlan", "Plan", "build_plan", "choose_base", "plan_json", "plan_markdown", "plan_text"]
