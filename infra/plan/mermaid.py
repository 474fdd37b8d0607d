"""A Mermaid picture of what a plan changes: changed resources, the components they sit in, and the
dependencies between them (GitHub renders ```mermaid blocks). Capped at `MAX_NODES` so a large change stays
readable; the rest is counted, not drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.synth.urns import STACK_TYPE

if TYPE_CHECKING:
    from infra.plan.build import Plan

MAX_NODES = 40
STYLE = {
    "create": "fill:#dafbe1,stroke:#1a7f37",
    "update": "fill:#fff8c5,stroke:#9a6700",
    "replace": "fill:#ffebe9,stroke:#cf222e,stroke-width:2px",
    "delete": "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4",
}


def _label(text: str) -> str:
    return text.replace('"', "'").replace("<", "&lt;").replace(">", "&gt;")


def _short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def mermaid_lines(plan: Plan) -> list[str]:
    """The ```mermaid block (empty when nothing changes)."""
    changed = [(env.stack, s) for env in plan.envs for s in env.diff.steps
               if s.op != "same" and s.type != STACK_TYPE]
    if not changed:
        return []
    drawn, rest = changed[:MAX_NODES], changed[MAX_NODES:]
    ids: dict[tuple[str, str], str] = {}
    lines = ["```mermaid", "flowchart LR"]
    for op, style in STYLE.items():
        lines.append(f"  classDef {op} {style}")
    by_parent: dict[tuple[str, str], list[str]] = {}
    for stack, step in drawn:
        node = f"n{len(ids)}"
        ids[(stack, step.urn)] = node
        state = step.new or step.old or {}
        parent = state.get("parent") or ""
        parent_name = parent.rsplit("::", 1)[-1] if parent and STACK_TYPE not in parent else stack
        by_parent.setdefault((stack, parent_name), []).append(
            f'    {node}["{_label(step.name)}<br/>{_label(_short_type(step.type))} ({step.op})"]:::{step.op}'
        )
    for index, ((stack, parent_name), nodes) in enumerate(sorted(by_parent.items())):
        title = parent_name if parent_name == stack else f"{stack}: {parent_name}"
        lines.append(f'  subgraph g{index}["{_label(title)}"]')
        lines += nodes
        lines.append("  end")
    for stack, step in drawn:
        state = step.new or step.old or {}
        for dependency in state.get("dependencies") or []:
            target = ids.get((stack, dependency))
            if target:
                lines.append(f"  {ids[(stack, step.urn)]} --> {target}")
    if rest:
        lines.append(f'  more["… and {len(rest)} more changed resources (see the diffs)"]')
    lines.append("```")
    return lines
