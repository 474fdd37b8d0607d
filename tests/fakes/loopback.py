"""The loopback HTTP server base (kept under this name for the tests' loopback servers; see infra.rehearsal)."""

from infra.rehearsal.http_server import ApiError, Call, FaultPlan, LoopbackServer, Request, Response, now_rfc3339

__all__ = ["ApiError", "Call", "FaultPlan", "LoopbackServer", "Request", "Response", "now_rfc3339"]
