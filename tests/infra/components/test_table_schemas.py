"""Columns added to existing tables (the feedback `score`, the summary's `feedback` record) are NULLABLE, and
the offline diff shows the schema change as an in-place update of the (protected) table, never a replace."""

from __future__ import annotations

import copy
import json
from typing import Any

from contracts.bigquery_schema import SUMMARY
from infra.components.table_schemas import FEEDBACK
from infra.diff.compute import diff_snapshots
from tests.checkout import PROJECT
from tests.synth_cache import shared_document

ADDED = {FEEDBACK.table_id: "score", SUMMARY.table_id: "feedback"}
"""Table id -> the column added after the table existed."""


def test_added_columns_are_nullable() -> None:
    for spec in (FEEDBACK, SUMMARY):
        (column,) = [c for c in spec.columns if c.name == ADDED[spec.table_id]]
        assert column.mode == "NULLABLE", f"{spec.table_id}.{column.name}"
        assert all(field.mode == "NULLABLE" for field in column.fields), f"{spec.table_id}.{column.name}"


def without_added_columns(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as it was before the columns were added."""
    before = copy.deepcopy(snapshot)
    for resource in before["resources"]:
        table = resource["inputs"].get("tableId") if resource["type"] == "gcp:bigquery/table:Table" else None
        if table in ADDED:
            columns = json.loads(resource["inputs"]["schema"])
            kept = [c for c in columns if c["name"] != ADDED[table]]
            assert len(kept) == len(columns) - 1, resource["urn"]
            resource["inputs"]["schema"] = json.dumps(kept, sort_keys=True, separators=(",", ":"))
    return before


def test_adding_the_columns_updates_the_prod_tables_in_place() -> None:
    now = shared_document("prod", PROJECT)
    steps = [s for s in diff_snapshots(without_added_columns(now), now).steps if s.op != "same"]
    assert sorted((s.op, (s.new or {})["inputs"]["tableId"]) for s in steps) == [
        ("update", FEEDBACK.table_id),
        ("update", SUMMARY.table_id),
    ]
    for step in steps:
        assert step.replace_reasons == [], step.urn
        assert step.diff_reasons == ["schema"], step.urn
        assert (step.new or {})["protect"], step.urn
