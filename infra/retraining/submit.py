"""Submit the tuning pipeline for a retraining request, once per request id, and record the run.

The template is the one the environment's manifest pins, fetched from the KFP registry by digest and checked
against it. The job id comes from the request id, so a redelivered request meets ALREADY_EXISTS and is
answered with the run it started the first time: one run per request id, with no state kept by the
subscriber. Each new run is announced on the model-events topic. Every call of one delivery shares one
time budget (`budget.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.retraining import clients
from infra.retraining.budget import Deadline
from infra.retraining.request import JOB_PREFIX, InvalidRequest, RetrainingRequest, SubscriberSettings

RUN_EVENT = "retraining_submitted"


@dataclass(frozen=True)
class Submission:
    job: str
    """Resource name of the pipeline job."""
    duplicate: bool
    """True when the request had already started this job (a redelivery)."""


def pipeline_job(request: RetrainingRequest, settings: SubscriberSettings, spec: dict[str, Any]) -> Any:
    """The PipelineJob of `request`: the pinned template, the environment's parameters and identity."""
    from google.cloud import aiplatform_v1 as v1

    return v1.PipelineJob(
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


def submit(request: RetrainingRequest, settings: SubscriberSettings, deadline: Deadline) -> Submission:
    """Create the request's pipeline job, or find the one an earlier delivery created."""
    from google.api_core.exceptions import Conflict

    if request.env != settings.env:
        raise InvalidRequest(f"request for environment {request.env!r} reached the subscriber of {settings.env!r}")
    spec = deadline.call(
        lambda: clients.fetch_template(settings.template_uri, deadline.timeout()), f"download {settings.template_uri}"
    )
    job = pipeline_job(request, settings, spec)
    client = clients.pipeline_service(settings.location, settings.vertex_endpoint)
    parent = f"projects/{settings.project}/locations/{settings.location}"
    name = f"{parent}/pipelineJobs/{request.job_id()}"

    tried: list[bool] = []

    def create() -> Submission:
        earlier_attempt = bool(tried)
        tried.append(True)
        try:
            created = client.create_pipeline_job(
                parent=parent, pipeline_job=job, pipeline_job_id=request.job_id(), timeout=deadline.timeout()
            )
        except Conflict:  # ALREADY_EXISTS (HTTP 409): an earlier delivery, or an earlier attempt of this one
            found = client.get_pipeline_job(name=name, timeout=deadline.timeout())
            # After a failed attempt of this delivery the job may well be ours: not a duplicate then.
            return Submission(found.name, duplicate=not earlier_attempt)
        return Submission(created.name, duplicate=False)

    # Safe to retry as a unit: the job id is fixed, so a create that reached Vertex before failing is found.
    return deadline.call(create, f"create pipeline job {name}")


def run_event(request: RetrainingRequest, submission: Submission) -> dict[str, Any]:
    return {
        "event": RUN_EVENT,
        "env": request.env,
        "request_id": request.request_id,
        "reason": request.reason,
        "requested_at": request.requested_at,
        "job": submission.job,
    }


def record(settings: SubscriberSettings, event: dict[str, Any], deadline: Deadline) -> str:
    """Announce a submitted run on the model-events topic; the message id."""
    return deadline.call(
        lambda: clients.publish(settings.pubsub_endpoint, settings.events_topic, event, deadline.timeout()),
        f"publish to {settings.events_topic}",
    )
