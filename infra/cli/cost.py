"""`mlops cost --env ENV [--base REF] [--format text|json]`: monthly cost of an environment and of the change.

The base defaults to the plan's (merge-base with the default branch); JSON is the pinned shape
`{env, monthly_usd{min,max}, delta_usd{min,max}, items[{urn, type, monthly_usd_min, monthly_usd_max, basis}]}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project

if TYPE_CHECKING:
    from infra.cost import CostChange


app = typer.Typer()


class CostFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


CostBaseOption = Annotated[
    str | None,
    typer.Option(
        "--base", help="Git ref the change is measured against (default: the merge-base with the default branch)."
    ),
]


@app.command("cost")
def cost(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to estimate.")],
    base: CostBaseOption = None,
    fmt: Annotated[CostFormat, typer.Option("--format", "-f", help="text or json.")] = CostFormat.TEXT,
    project_dir: ProjectDirOption = None,
) -> None:
    """Estimate ENV's monthly cost (min..max) and how much the change adds or saves."""
    import sys

    from contracts.fsutil import canonical_json
    from infra.cost import cost_change
    from infra.diff.sources import synth_at_ref
    from infra.plan import choose_base
    from infra.synth import synth_stack

    project = find_project(project_dir)
    head = synth_stack(env, project)
    choice = choose_base(project, base)
    base_doc = synth_at_ref([env], choice.ref, project)[env] if choice.ref else None
    change = cost_change(head, base_doc)
    if fmt is CostFormat.JSON:
        sys.stdout.write(canonical_json(change.to_json()))
    else:
        sys.stdout.write(cost_text(env, change, choice.label))



def cost_text(env: str, change: CostChange, base_label: str) -> str:
    """The text report: totals, the change, each priced item (most expensive first) and the price table's date."""
    from infra.cost.estimate import PRICES_FILE, load_prices

    prices = load_prices()
    low, high = change.head.monthly_usd
    delta_low, delta_high = change.delta_usd
    lines = [
        f"monthly cost of {env}: ${low:,.2f} .. ${high:,.2f}",
        f"change against {base_label}: {delta_low:+,.2f} .. {delta_high:+,.2f} USD/month",
    ]
    for item in sorted(change.head.items, key=lambda i: -i.monthly_usd_max):
        lines.append(
            f"  {item.monthly_usd_min:>10,.2f} .. {item.monthly_usd_max:>10,.2f}  "
            f"{item.urn.rsplit('::', 1)[-1]}: {item.basis}"
        )
    lines.append(
        f"prices: {PRICES_FILE.name} as of {prices['as_of']} (list prices; sources in the file); "
        "not priced: requests, logging, egress, pipeline runs"
    )
    return "\n".join(lines) + "\n"
