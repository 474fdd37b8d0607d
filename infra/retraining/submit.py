"""Submit the tuning pipeline for a retraining request, once per request id, and record the run.

The template is the one the environment's manifest pins, fetched from the KFP registry by digest and checked
against it (`load_pipeline_spec`). The job id comes from the request id, so a redelivered request meets
ALREADY_EXISTS and is answered with the run it started the first time: one run per request id, with no
state kept by the subscriber. Each new run is announced on the model-events topic.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from infra.release.providers.clients import VertexTarget, _client_kwargs, _with_credentials
from infra.release.providers.pipeline_schedule import load_pipeline_spec
from infra.release.providers.retry import RetryPolicy
from infra.retraining.request import JOB_PREFIX, InvalidRequest, RetrainingRequest, SubscriberSettings

RUN_EVENT = "retraining_submitted"


@dataclass(frozen=True)
class Submission:
    job: str
    """Resource name of the pipeline job."""
    duplicate: bool
    """True when the request had already started this job (a redelivery)."""


def submit(request: RetrainingRequest, settings: SubscriberSettings, retry: RetryPolicy | None = None) -> Submission:
    """Create the request's pipeline job, or find the one an earlier delivery created."""
    from google.api_core.exceptions import Conflict
    from google.cloud import aiplatform_v1 as v1

    if request.env != settings.env:
        raise InvalidRequest(f"request for environment {request.env!r} reached the subscriber of {settings.env!r}")
    target = VertexTarget(settings.project, settings.location, settings.vertex_endpoint)
    spec = load_pipeline_spec(settings.template_uri, None, retry or RetryPolicy())
    job = v1.PipelineJob(
        display_name=f"retrain-{settings.env}",
        pipeline_spec=spec,
        template_uri=settings.template_uri,
        service_account=settings.service_account,
        labels={"retraining-request": request.job_id().removeprefix(JOB_PREFIX)[:63].strip("-") or "unnamed"},
        runtime_config=v1.PipelineJob.RuntimeConfig(
            gcs_output_directory=settings.pipeline_root, parameter_values=dict(settings.parameter_values)
        ),
        encryption_spec=v1.EncryptionSpec(kms_key_name=settings.kms_key_name) if settings.kms_key_name else None,
    )
    client = _with_credentials(lambda: v1.PipelineServiceClient(**_client_kwargs(target)), "Vertex AI")
    name = f"{target.parent}/pipelineJobs/{request.job_id()}"
    try:
        created = client.create_pipeline_job(parent=target.parent, pipeline_job=job, pipeline_job_id=request.job_id())
    except Conflict:  # ALREADY_EXISTS (REST answers it as HTTP 409): an earlier delivery created it
        return Submission(client.get_pipeline_job(name=name).name, duplicate=True)
    return Submission(created.name, duplicate=False)


def run_event(request: RetrainingRequest, submission: Submission) -> dict[str, Any]:
    return {
        "event": RUN_EVENT,
        "env": request.env,
        "request_id": request.request_id,
        "reason": request.reason,
        "requested_at": request.requested_at,
        "job": submission.job,
    }


def publish(settings: SubscriberSettings, event: dict[str, Any]) -> str:
    """Publish `event` on the model-events topic through the Pub/Sub REST API; returns the message id."""
    import requests

    url = f"{settings.pubsub_endpoint.rstrip('/')}/v1/{settings.events_topic}:publish"
    body = {
        "messages": [
            {
                "data": base64.b64encode(json.dumps(event, sort_keys=True).encode()).decode(),
                "attributes": {"event": str(event["event"])},
            }
        ]
    }
    if settings.pubsub_endpoint.startswith("http://"):  # a loopback server: no credentials
        response = requests.post(url, json=body, timeout=30)
    else:
        import google.auth
        from google.auth.transport.requests import AuthorizedSession

        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/pubsub"])
        response = AuthorizedSession(credentials).post(url, json=body, timeout=30)
    response.raise_for_status()
    return str(response.json()["messageIds"][0])
