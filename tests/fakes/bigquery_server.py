"""A loopback server speaking the BigQuery REST API's `jobs.query`, the call `Client.query_and_wait` makes.

`POST /bigquery/v2/projects/P/queries` answers a finished query in one response (`jobComplete: true`, the
schema, rows as `{"f": [{"v": ...}]}` with every scalar a string, as the service encodes them; TIMESTAMPs
as microseconds when the client asks for `useInt64Timestamp`). It is a protocol harness, not a SQL engine:
the rows answered are those seeded for the table the query names (`seed`), and each request (query text,
typed parameters) is kept in `queries` so a test asserts what the client sent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from infra.rehearsal.http_server import Handler
from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response

_TABLE = re.compile(r"FROM `([^`]+)`")


class BigQueryServer(LoopbackServer):
    STATE = ("tables", "queries")

    def __init__(self) -> None:
        self.tables: dict[str, tuple[list[tuple[str, str]], list[dict[str, Any]]]] = {}
        self.queries: list[dict[str, Any]] = []
        super().__init__()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", r"/bigquery/v2/projects/(?P<project>[^/]+)/queries", self._query)]

    def seed(self, table: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
        """Rows the table `project.dataset.table` answers with; `columns` are (name, BigQuery type)."""
        with self._lock:
            self.tables[table] = (columns, rows)

    def _query(self, request: Request) -> Response:
        body = request.json()
        if body.get("useLegacySql", True):
            raise ApiError(400, "the platform's queries are Standard SQL (useLegacySql false)", "invalid")
        self.queries.append(body)
        found = _TABLE.search(str(body.get("query", "")))
        if found is None or found.group(1) not in self.tables:
            name = found.group(1) if found else "?"
            raise ApiError(404, f"Not found: Table {name}", "notFound")
        columns, rows = self.tables[found.group(1)]
        micros = bool(body.get("formatOptions", {}).get("useInt64Timestamp"))
        return Response.of_json(
            {
                "kind": "bigquery#queryResponse",
                "jobComplete": True,
                "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in columns]},
                "rows": [{"f": [{"v": _encoded(row.get(n), t, micros)} for n, t in columns]} for row in rows],
                "totalRows": str(len(rows)),
                "queryId": f"loopback-{len(self.queries)}",
                "location": "EU",
            }
        )


def _encoded(value: Any, kind: str, micros: bool) -> str | None:
    """A cell as the REST API encodes it: a string (or null)."""
    if value is None:
        return None
    if kind == "TIMESTAMP":
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        seconds = when.timestamp()
        return str(round(seconds * 1_000_000)) if micros else f"{seconds:.6f}"
    return str(value)
