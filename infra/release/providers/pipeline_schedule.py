"""PipelineSchedule: a Vertex AI pipeline schedule pinned to one template version (`.../sha256:<hex>`).

The schedule's pipeline job carries both the pipeline spec and the `template_uri` it came from. The spec is
read from `template_path` (the local compiled file the template was uploaded from) when given, otherwise
downloaded from the registry; either way its digest must equal the version in `template_uri`, so the schedule
runs exactly the registered bytes. The spec is never fetched by Vertex: templates in Artifact Registry need
a bearer token and do not go through `api_endpoint`.

A new template version replaces the schedule (Vertex cannot change a schedule's pipeline spec in place);
cron, time zone, parameters, service account, pipeline root and `kms_key_name` are patched; `paused` pauses
or resumes. With `kms_key_name` every run the schedule creates carries `encryption_spec` (CMEK): the key
belongs to the runs to come, not to the schedule, so a new key is patched in place and applies from the
next run.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.release.providers.base import ReleaseInputError, ReleaseProvider, changed, inputs_only
from infra.release.providers.clients import VertexTarget, is_not_found
from infra.release.providers.pipeline_template import split_template_uri
from infra.release.providers.retry import InFlight, RetryPolicy, call_with_retry

if TYPE_CHECKING:
    from google.cloud.aiplatform_v1 import Schedule

STATE_NAMES = {1: "ACTIVE", 2: "PAUSED", 3: "COMPLETED"}
KMS_KEY = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")
CRON_FIELDS = 5


def _known_time_zone(name: str) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def load_pipeline_spec(template_uri: str, template_path: str | None, retry: RetryPolicy) -> dict[str, Any]:
    """The compiled pipeline spec of `template_uri`, verified against the digest in the URI."""
    import os
    import tempfile

    import yaml

    from infra.release.providers.clients import registry_client

    host, package, version = split_template_uri(template_uri)
    if template_path:
        try:
            with open(template_path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise ReleaseInputError(f"template_path {template_path!r} cannot be read: {exc.strerror}") from exc
        source = template_path
    else:
        with tempfile.TemporaryDirectory() as scratch:
            target = os.path.join(scratch, "template.yaml")
            call_with_retry(
                lambda: registry_client(host).download_pipeline(package, version=version, file_name=target),
                retry,
                f"download {template_uri}",
            )
            with open(target, "rb") as handle:
                content = handle.read()
        source = template_uri
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    if digest != version:
        raise ReleaseInputError(f"{source} has digest {digest}, but the schedule is pinned to {version}")
    document = next((d for d in yaml.safe_load_all(content) if d), None)
    if not isinstance(document, dict) or "pipelineInfo" not in document:
        raise ReleaseInputError(f"{source} is not a compiled KFP pipeline (no pipelineInfo)")
    return document


class PipelineScheduleProvider(ReleaseProvider):
    """Create, patch, pause/resume and delete one Vertex AI schedule through the ScheduleService REST API."""

    INPUTS = (
        "project",
        "location",
        "display_name",
        "template_uri",
        "template_path",
        "cron",
        "time_zone",
        "parameter_values",
        "service_account",
        "pipeline_root",
        "paused",
        "kms_key_name",
        "api_endpoint",
    )
    REPLACE_ON = ("project", "location", "template_uri")
    NOT_DIFFED = ("template_path",)
    JOB_FIELDS = ("display_name", "parameter_values", "service_account", "pipeline_root", "kms_key_name")

    def validate(self, props: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = []
        for key in ("project", "location", "display_name", "service_account", "time_zone"):
            if not props.get(key):
                problems.append((key, "is required and must not be empty"))
        if '"' in str(props.get("display_name") or ""):
            problems.append(("display_name", "must not contain double quotes"))
        uri = str(props.get("template_uri") or "")
        if not re.search(r"/[^/]+/sha256:[0-9a-f]{64}$", uri):
            problems.append(("template_uri", f"must be pinned as <host>/<package>/sha256:<64 hex>, got {uri!r}"))
        zone = str(props.get("time_zone") or "")
        if zone and not _known_time_zone(zone):
            problems.append(("time_zone", f"expected an IANA time zone such as Europe/Amsterdam, got {zone!r}"))
        cron = str(props.get("cron") or "")
        if len(cron.split()) != CRON_FIELDS or cron.startswith(("TZ=", "CRON_TZ=")):
            problems.append(("cron", f"expected 5 cron fields without a TZ= prefix (use time_zone), got {cron!r}"))
        if not str(props.get("pipeline_root") or "").startswith("gs://"):
            problems.append(("pipeline_root", f"expected gs://bucket/path, got {props.get('pipeline_root')!r}"))
        key_name = props.get("kms_key_name")
        if key_name is not None and not KMS_KEY.match(str(key_name)):
            problems.append(
                (
                    "kms_key_name",
                    "expected projects/P/locations/L/keyRings/R/cryptoKeys/K (unset for Google-managed "
                    f"encryption), got {key_name!r}",
                )
            )
        if not isinstance(props.get("paused"), bool):
            problems.append(("paused", f"expected true or false, got {props.get('paused')!r}"))
        if not isinstance(props.get("parameter_values") or {}, Mapping):
            problems.append(("parameter_values", "expected a mapping of parameter name to value"))
        return problems

    # -- engine entry points -------------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        news = self.require_valid(props)
        desired = self._desired(news)
        schedule = call_with_retry(
            functools.partial(self._find_or_create, news, desired),
            self.retry,
            f"create schedule {news['display_name']}",
        )
        state = self._set_paused(news, schedule.name, bool(news["paused"]))
        return CreateResult(id_=schedule.name, outs={**news, "schedule_name": schedule.name, "state": state})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        props = self.require_valid(news)
        differences = set(changed(olds, props, self.INPUTS))
        mask = []
        if "display_name" in differences:
            mask.append("display_name")
        if differences & {"cron", "time_zone"}:
            mask.append("cron")
        if differences & set(self.JOB_FIELDS):
            mask.append("create_pipeline_job_request")
        if mask:
            desired = self._desired(props)
            desired.name = id_
            call_with_retry(
                lambda: self._schedules(props).update_schedule(
                    schedule=desired, update_mask={"paths": mask}, timeout=self.retry.call_timeout, retry=None
                ),
                self.retry,
                f"update schedule {id_} ({', '.join(mask)})",
            )
        state = self._set_paused(props, id_, bool(props["paused"]))
        return UpdateResult(outs={**props, "schedule_name": id_, "state": state})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            schedule = call_with_retry(
                lambda: self._schedules(props).get_schedule(name=id_, timeout=self.retry.call_timeout, retry=None),
                self.retry,
                f"read schedule {id_}",
            )
        except Exception as exc:
            if is_not_found(exc):
                return ReadResult(None, {})
            raise
        state = STATE_NAMES.get(int(schedule.state), str(schedule.state))
        key_name = schedule.create_pipeline_job_request.pipeline_job.encryption_spec.kms_key_name or None
        live = {"schedule_name": id_, "state": state, "paused": state == "PAUSED", "kms_key_name": key_name}
        outs = {**props, **live}
        return ReadResult(id_, outs, inputs_only(outs, self.INPUTS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        in_flight = InFlight()

        def unit() -> None:
            try:
                start = functools.partial(
                    self._schedules(props).delete_schedule, name=id_, timeout=self.retry.call_timeout, retry=None
                )
                in_flight.run(start, self.retry)
            except Exception as exc:
                if not is_not_found(exc):
                    raise

        call_with_retry(unit, self.retry, f"delete schedule {id_}")

    # -- steps ---------------------------------------------------------------------------------------------
    def _schedules(self, props: Mapping[str, Any]) -> Any:
        from infra.release.providers.clients import schedule_service

        return schedule_service(VertexTarget.of(props))

    def _desired(self, props: Mapping[str, Any]) -> Schedule:
        from google.cloud import aiplatform_v1 as v1

        spec = load_pipeline_spec(props["template_uri"], props.get("template_path"), self.retry)
        target = VertexTarget.of(props)
        key_name = props.get("kms_key_name")
        job = v1.PipelineJob(
            display_name=props["display_name"],
            pipeline_spec=spec,
            template_uri=props["template_uri"],
            service_account=props["service_account"],
            runtime_config=v1.PipelineJob.RuntimeConfig(
                gcs_output_directory=props["pipeline_root"],
                parameter_values=dict(props.get("parameter_values") or {}),
            ),
            encryption_spec=v1.EncryptionSpec(kms_key_name=key_name) if key_name else None,
        )
        return v1.Schedule(
            display_name=props["display_name"],
            cron=f"TZ={props['time_zone']} {props['cron']}",
            max_concurrent_run_count=1,
            create_pipeline_job_request=v1.CreatePipelineJobRequest(parent=target.parent, pipeline_job=job),
        )

    def _find_or_create(self, props: Mapping[str, Any], desired: Schedule) -> Schedule:
        """One idempotent unit: an earlier attempt whose response was lost is found, not duplicated."""
        client = self._schedules(props)
        parent = VertexTarget.of(props).parent
        from google.cloud import aiplatform_v1 as v1

        listing = client.list_schedules(
            request=v1.ListSchedulesRequest(parent=parent, filter=f'display_name="{desired.display_name}"'),
            timeout=self.retry.call_timeout,
            retry=None,
        )
        for schedule in listing:
            job = schedule.create_pipeline_job_request.pipeline_job
            if (
                schedule.display_name == desired.display_name
                and job.template_uri == props["template_uri"]
                and STATE_NAMES.get(int(schedule.state)) != "COMPLETED"
            ):
                found: Schedule = schedule
                return found
        created: Schedule = client.create_schedule(
            parent=parent, schedule=desired, timeout=self.retry.call_timeout, retry=None
        )
        return created

    def _set_paused(self, props: Mapping[str, Any], name: str, paused: bool) -> str:
        """Pause or resume to match `paused`, reading the live state first (so a re-run is a no-op)."""

        def unit() -> str:
            client = self._schedules(props)
            schedule = client.get_schedule(name=name, timeout=self.retry.call_timeout, retry=None)
            state = STATE_NAMES.get(int(schedule.state), str(schedule.state))
            if paused and state == "ACTIVE":
                client.pause_schedule(name=name, timeout=self.retry.call_timeout, retry=None)
                return "PAUSED"
            if not paused and state == "PAUSED":
                client.resume_schedule(name=name, timeout=self.retry.call_timeout, retry=None)
                return "ACTIVE"
            return state

        return call_with_retry(unit, self.retry, f"{'pause' if paused else 'resume'} schedule {name}")


class PipelineSchedule(Resource, module="release", name="PipelineSchedule"):
    """A Vertex AI pipeline schedule running one pinned template version of a pipeline."""

    schedule_name: pulumi.Output[str]
    """Full resource name `projects/P/locations/L/schedules/ID`."""
    state: pulumi.Output[str]
    """`ACTIVE` or `PAUSED`."""

    def __init__(
        self,
        name: str,
        project: pulumi.Input[str],
        location: pulumi.Input[str],
        display_name: pulumi.Input[str],
        template_uri: pulumi.Input[str],
        cron: pulumi.Input[str],
        time_zone: pulumi.Input[str],
        parameter_values: pulumi.Input[Mapping[str, Any]],
        service_account: pulumi.Input[str],
        pipeline_root: pulumi.Input[str],
        paused: pulumi.Input[bool],
        api_endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        template_path: pulumi.Input[str] | None = None,
        kms_key_name: pulumi.Input[str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """`template_path`: the local compiled YAML `template_uri` was uploaded from (same digest); when
        omitted the spec is downloaded from the registry with the registry client.
        `kms_key_name`: Cloud KMS key every scheduled run is encrypted with (the pipeline job's
        `encryption_spec`); unset, Google-managed encryption."""
        props = {
            "project": project,
            "location": location,
            "display_name": display_name,
            "template_uri": template_uri,
            "template_path": template_path,
            "cron": cron,
            "time_zone": time_zone,
            "parameter_values": parameter_values,
            "service_account": service_account,
            "pipeline_root": pipeline_root,
            "paused": paused,
            "kms_key_name": kms_key_name,
            "api_endpoint": api_endpoint,
            "schedule_name": None,
            "state": None,
        }
        super().__init__(PipelineScheduleProvider(retry), name, props, opts)
