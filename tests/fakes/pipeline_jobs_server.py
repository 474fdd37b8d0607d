"""The loopback Vertex AI server plus PipelineService jobs: create (with a caller-chosen job id) and get.

`POST /v1/projects/P/locations/L/pipelineJobs?pipelineJobId=ID` stores the job as sent and answers it with
its name and state; a second create with the same id is 409 ALREADY_EXISTS, as on Vertex AI (job ids are
unique per location). `GET /v1/.../pipelineJobs/ID` reads it back.
"""

from __future__ import annotations

import re
from typing import Any

from infra.rehearsal.http_server import Handler
from infra.rehearsal.vertex_server import VertexServer
from tests.fakes.loopback import ApiError, Request, Response, now_rfc3339

_JOBS = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/pipelineJobs"
_JOB_ID = re.compile(r"^[a-z][a-z0-9-]{0,127}$")
PIPELINE_STATE_PENDING = 2


class PipelineJobsServer(VertexServer):
    STATE: tuple[str, ...] = (*VertexServer.STATE, "pipeline_jobs")  # type: ignore[assignment]

    def __init__(self) -> None:
        self.pipeline_jobs: dict[str, dict[str, Any]] = {}
        super().__init__()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", _JOBS, self._create_job),
            ("GET", _JOBS + r"/(?P<job>[^/:]+)", self._get_job),
            *super().routes(),
        ]

    def _create_job(self, request: Request) -> Response:
        g = request.match.groupdict()
        job_id = request.param("pipelineJobId") or f"job-{self._next_id()}"
        if not _JOB_ID.fullmatch(job_id):
            raise ApiError(400, f"pipelineJobId {job_id!r} is invalid", "INVALID_ARGUMENT")
        body = request.json()
        if "pipelineSpec" not in body:
            raise ApiError(400, "pipelineJob.pipelineSpec is required", "INVALID_ARGUMENT")
        name = f"projects/{g['project']}/locations/{g['location']}/pipelineJobs/{job_id}"
        if name in self.pipeline_jobs:
            raise ApiError(409, f"PipelineJob {name} already exists", "ALREADY_EXISTS")
        job = {**body, "name": name, "state": PIPELINE_STATE_PENDING, "createTime": now_rfc3339()}
        self.pipeline_jobs[name] = job
        return Response.of_json(job)

    def _get_job(self, request: Request) -> Response:
        g = request.match.groupdict()
        name = f"projects/{g['project']}/locations/{g['location']}/pipelineJobs/{g['job']}"
        if name not in self.pipeline_jobs:
            raise ApiError(404, f"PipelineJob {name} not found", "NOT_FOUND")
        return Response.of_json(self.pipeline_jobs[name])
