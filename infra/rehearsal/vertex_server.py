"""Loopback Vertex AI REST server: Model Registry, endpoints, pipeline schedules and operations.

It answers the calls the real `google-cloud-aiplatform` REST transport makes (paths from
`aiplatform_v1/services/*/transports/rest_base.py`; `@` arrives as `%40`; long-running operations come back
not done and finish on their first poll) and enforces the service rules a release depends on: an alias
belongs to one version of a model; an upload without "default" does not take the default; the default
version and deployed versions cannot be deleted; an endpoint's traffic split names deployed models only and
sums to 100 (or is empty); a model with traffic cannot be undeployed without a new split; a deployed
model's replica counts are all that can be mutated (its identity, `serviceAccount`, needs a redeploy); pause
needs an active schedule, resume a paused one. Model lists and version lists evaluate `display_name` and
`labels.<key>` filter terms. What the client sends is stored as sent, so tests read back a
deployed model's `serviceAccount` and a model's or scheduled pipeline job's `encryptionSpec`. Every endpoint
change is recorded in `endpoint_history`; set `pending_polls` to keep new operations running for that many
polls.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from infra.rehearsal.http_server import ApiError, LoopbackServer, Request, Response, now_rfc3339

_V1 = "type.googleapis.com/google.cloud.aiplatform.v1."
_EMPTY = "type.googleapis.com/google.protobuf.Empty"
_PARENT = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_MODEL = _PARENT + r"/models/(?P<model>[^/@:]+)(?:@(?P<version>[^/:]+))?"
_ENDPOINT = _PARENT + r"/endpoints/(?P<endpoint>[^/:]+)"
_SCHEDULE = _PARENT + r"/schedules/(?P<schedule>[^/:]+)"
_ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$")
SCHEDULE_ACTIVE, SCHEDULE_PAUSED = 1, 2
DEDICATED_RESOURCES = 1


def _mask(request: Request) -> set[str]:
    """updateMask fields, normalised to lower case without separators (camelCase and snake_case agree)."""
    raw = request.param("updateMask") or ""
    return {part.replace("_", "").lower() for part in raw.split(",") if part}


_TERM = re.compile(r'^\s*(display_name|labels\.[a-z0-9_-]+)\s*=\s*"?([^"]*)"?\s*$')


def _filter(request: Request) -> list[tuple[str, str]]:
    """A list filter's `display_name="x"` / `labels.key="v"` terms joined by AND (all this server evaluates)."""
    raw = request.param("filter") or ""
    terms = []
    for part in re.split(r"\s+AND\s+", raw) if raw.strip() else []:
        found = _TERM.match(part)
        if found is None:
            raise ApiError(400, f"unsupported filter term {part!r}", "INVALID_ARGUMENT")
        terms.append((found.group(1), found.group(2)))
    return terms


def _matches(model: dict[str, Any], terms: list[tuple[str, str]]) -> bool:
    for field, value in terms:
        found = model.get("displayName") if field == "display_name" else model.get("labels", {}).get(field[7:])
        if found != value:
            return False
    return True


class VertexServer(LoopbackServer):
    """In-memory Vertex AI for one or more projects/locations."""

    STATE = ("models", "endpoints", "endpoint_history", "schedules", "operations", "_next")

    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}  # model name -> {"versions": {id: Model}, "next": int}
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.endpoint_history: dict[str, list[dict[str, Any]]] = {}
        self.schedules: dict[str, dict[str, Any]] = {}
        self.operations: dict[str, dict[str, Any]] = {}
        self.pending_polls = 0
        """How many polls of a new long-running operation answer "not done" before it completes."""
        self._next = 1000
        super().__init__()

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", _PARENT + r"/models:upload", self._upload_model),
            ("GET", _MODEL + r":listVersions", self._list_versions),
            ("GET", _PARENT + r"/models", self._list_models),
            ("POST", _MODEL + r":mergeVersionAliases", self._merge_aliases),
            ("DELETE", _MODEL + r":deleteVersion", self._delete_version),
            ("GET", _MODEL, self._get_model),
            ("PATCH", _MODEL, self._update_model),
            ("DELETE", _MODEL, self._delete_model),
            ("POST", _PARENT + r"/endpoints", self._create_endpoint),
            ("DELETE", _ENDPOINT, self._delete_endpoint),
            ("GET", _ENDPOINT, self._get_endpoint),
            ("PATCH", _ENDPOINT, self._update_endpoint),
            ("POST", _ENDPOINT + r":deployModel", self._deploy_model),
            ("POST", _ENDPOINT + r":undeployModel", self._undeploy_model),
            ("POST", _ENDPOINT + r":mutateDeployedModel", self._mutate_deployed_model),
            ("POST", _PARENT + r"/schedules", self._create_schedule),
            ("GET", _PARENT + r"/schedules", self._list_schedules),
            ("GET", _SCHEDULE, self._get_schedule),
            ("PATCH", _SCHEDULE, self._update_schedule),
            ("DELETE", _SCHEDULE, self._delete_schedule),
            ("POST", _SCHEDULE + r":pause", self._pause_schedule),
            ("POST", _SCHEDULE + r":resume", self._resume_schedule),
            ("GET", r"/(?:v1|ui)/(?P<name>projects/[^:]+/operations/[^/:]+)", self._get_operation),
        ]

    # -- seeding and inspection for tests ------------------------------------------------------------------
    def add_endpoint(self, project: str, location: str, endpoint_id: str, display_name: str | None = None) -> str:
        """Create an empty endpoint (in a real environment pulumi-gcp's AiEndpoint does)."""
        name = f"projects/{project}/locations/{location}/endpoints/{endpoint_id}"
        with self._lock:
            self.endpoints[name] = {
                "name": name,
                "displayName": display_name or endpoint_id,
                "deployedModels": [],
                "trafficSplit": {},
                "createTime": now_rfc3339(),
            }
            self.endpoint_history[name] = []
        return name

    def versions(self, model_name: str) -> list[dict[str, Any]]:
        with self._lock:
            record = self.models.get(model_name)
            return [copy.deepcopy(v) for v in record["versions"].values()] if record else []

    def aliases(self, model_name: str) -> dict[str, list[str]]:
        """version id -> aliases, for assertions."""
        return {v["versionId"]: list(v["versionAliases"]) for v in self.versions(model_name)}

    def endpoint(self, name: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.endpoints[name])

    # -- helpers -------------------------------------------------------------------------------------------
    def _next_id(self) -> str:
        with self._lock:
            self._next += 1
            return str(self._next - 1)

    def _operation(self, parent: str, response: dict[str, Any]) -> Response:
        name = f"{parent}/operations/{self._next_id()}"
        self.operations[name] = {"name": name, "done": True, "response": response, "_pending": self.pending_polls}
        return Response.of_json({"name": name, "done": False})

    def _model_record(self, request: Request) -> tuple[str, dict[str, Any]]:
        g = request.match.groupdict()
        name = f"projects/{g['project']}/locations/{g['location']}/models/{g['model']}"
        record = self.models.get(name)
        if record is None:
            raise ApiError(404, f"Model {name} not found")
        return name, record

    @staticmethod
    def _resolve_version(record: dict[str, Any], ref: str | None, name: str) -> dict[str, Any]:
        versions = record["versions"]
        ref = ref or "default"
        if ref in versions:
            version: dict[str, Any] = versions[ref]
            return version
        for version in versions.values():
            if ref in version["versionAliases"]:
                return version
        raise ApiError(404, f"Model {name}@{ref} not found")

    def _version_from_ref(self, ref: str) -> tuple[str, dict[str, Any]]:
        match = re.fullmatch(r"(projects/[^/]+/locations/[^/]+/models/[^/@]+)(?:@(.+))?", ref)
        if match is None or match.group(1) not in self.models:
            raise ApiError(404, f"Model {ref} not found")
        name = match.group(1)
        return name, self._resolve_version(self.models[name], match.group(2), name)

    @staticmethod
    def _check_aliases(aliases: list[str]) -> None:
        for alias in aliases:
            if not _ALIAS.match(alias.removeprefix("-")):
                raise ApiError(400, f"invalid version alias {alias!r}", "INVALID_ARGUMENT")

    # -- models --------------------------------------------------------------------------------------------
    def _upload_model(self, request: Request) -> Response:
        g = request.match.groupdict()
        parent = f"projects/{g['project']}/locations/{g['location']}"
        body = request.json()
        spec = body.get("model") or {}
        if not spec.get("displayName"):
            raise ApiError(400, "model.display_name is required", "INVALID_ARGUMENT")
        aliases = list(spec.get("versionAliases", []))
        self._check_aliases(aliases)
        if parent_model := body.get("parentModel"):
            record = self.models.get(parent_model)
            if record is None:
                raise ApiError(404, f"parent model {parent_model} not found")
            name = parent_model
        else:
            name = f"{parent}/models/{body.get('modelId') or self._next_id()}"
            if name in self.models:
                raise ApiError(409, f"Model {name} already exists")
            record = self.models[name] = {"versions": {}, "next": 1}
            if "default" not in aliases:
                aliases.append("default")
        version_id = str(record["next"])
        record["next"] += 1
        for other in record["versions"].values():  # an alias belongs to one version
            other["versionAliases"] = [a for a in other["versionAliases"] if a not in aliases]
        stamp = now_rfc3339()
        record["versions"][version_id] = {
            **spec,
            "name": name,
            "versionId": version_id,
            "versionAliases": aliases,
            "labels": dict(spec.get("labels", {})),
            "createTime": stamp,
            "updateTime": stamp,
            "versionCreateTime": stamp,
            "versionUpdateTime": stamp,
            "supportedDeploymentResourcesTypes": [DEDICATED_RESOURCES],
            "deployedModels": [],
        }
        return self._operation(
            name, {"@type": _V1 + "UploadModelResponse", "model": name, "modelVersionId": version_id}
        )

    def _get_model(self, request: Request) -> Response:
        name, record = self._model_record(request)
        return Response.of_json(self._resolve_version(record, request.match.group("version"), name))

    def _list_versions(self, request: Request) -> Response:
        _, record = self._model_record(request)
        wanted = _filter(request)
        return Response.of_json({"models": [v for v in record["versions"].values() if _matches(v, wanted)]})

    def _list_models(self, request: Request) -> Response:
        """The default version of each model of the location, narrowed by `filter` like listVersions."""
        g = request.match.groupdict()
        parent = f"projects/{g['project']}/locations/{g['location']}/models/"
        wanted = _filter(request)
        found = [
            self._resolve_version(record, None, name)
            for name, record in sorted(self.models.items())
            if name.startswith(parent)
        ]
        return Response.of_json({"models": [m for m in found if _matches(m, wanted)]})

    def _merge_aliases(self, request: Request) -> Response:
        name, record = self._model_record(request)
        version = self._resolve_version(record, request.match.group("version"), name)
        changes = list(request.json().get("versionAliases", []))
        self._check_aliases(changes)
        removals = {c[1:] for c in changes if c.startswith("-")}
        additions = [c for c in changes if not c.startswith("-")]
        if "default" in removals:
            raise ApiError(400, "the default alias cannot be removed, move it to another version")
        aliases = [a for a in version["versionAliases"] if a not in removals]
        for alias in additions:
            for other in record["versions"].values():
                if other is not version and alias in other["versionAliases"]:
                    other["versionAliases"].remove(alias)
            if alias not in aliases:
                aliases.append(alias)
        version["versionAliases"] = aliases
        version["versionUpdateTime"] = now_rfc3339()
        return Response.of_json(version)

    def _update_model(self, request: Request) -> Response:
        name, record = self._model_record(request)
        version = self._resolve_version(record, request.match.group("version"), name)
        body = request.json()
        fields = {
            "labels": "labels",
            "versiondescription": "versionDescription",
            "description": "description",
        }
        mask = _mask(request)
        if not mask or not mask <= set(fields):
            raise ApiError(400, f"unsupported update mask {sorted(mask)}", "INVALID_ARGUMENT")
        for key in mask:
            version[fields[key]] = body.get(fields[key], {} if key == "labels" else "")
        version["versionUpdateTime"] = now_rfc3339()
        return Response.of_json(version)

    def _delete_version(self, request: Request) -> Response:
        name, record = self._model_record(request)
        version = self._resolve_version(record, request.match.group("version"), name)
        if "default" in version["versionAliases"]:
            raise ApiError(400, f"{name}@{version['versionId']} is the default version and cannot be deleted")
        if version["deployedModels"]:
            raise ApiError(400, f"{name}@{version['versionId']} is deployed and cannot be deleted")
        del record["versions"][version["versionId"]]
        return self._operation(name, {"@type": _EMPTY})

    def _delete_model(self, request: Request) -> Response:
        name, record = self._model_record(request)
        if any(v["deployedModels"] for v in record["versions"].values()):
            raise ApiError(400, f"{name} has deployed versions and cannot be deleted")
        del self.models[name]
        return self._operation(name, {"@type": _EMPTY})

    # -- endpoints -----------------------------------------------------------------------------------------
    def _endpoint_record(self, request: Request) -> dict[str, Any]:
        g = request.match.groupdict()
        name = f"projects/{g['project']}/locations/{g['location']}/endpoints/{g['endpoint']}"
        if name not in self.endpoints:
            raise ApiError(404, f"Endpoint {name} not found")
        return self.endpoints[name]

    @staticmethod
    def _check_split(endpoint: dict[str, Any], split: dict[str, Any]) -> dict[str, int]:
        deployed = {d["id"] for d in endpoint["deployedModels"]}
        unknown = set(split) - deployed
        if unknown:
            raise ApiError(400, f"traffic split names models not deployed: {sorted(unknown)}", "INVALID_ARGUMENT")
        values = {k: int(v) for k, v in split.items()}
        if values and sum(values.values()) != 100:
            raise ApiError(400, f"traffic split must sum to 100, got {values}", "INVALID_ARGUMENT")
        return values

    def _record(self, endpoint: dict[str, Any]) -> None:
        self.endpoint_history[endpoint["name"]].append(
            {
                "deployed": sorted(d["id"] for d in endpoint["deployedModels"]),
                "split": dict(endpoint["trafficSplit"]),
            }
        )

    def _create_endpoint(self, request: Request) -> Response:
        """`endpoints.create` with a caller-chosen `endpointId` (what pulumi-gcp's AiEndpoint sends)."""
        g = request.match.groupdict()
        endpoint_id = request.param("endpointId") or self._next_id()
        name = f"projects/{g['project']}/locations/{g['location']}/endpoints/{endpoint_id}"
        with self._lock:
            if name in self.endpoints:
                raise ApiError(409, f"Endpoint {name} already exists.")
            self.add_endpoint(g["project"], g["location"], endpoint_id, (request.json() or {}).get("displayName"))
            return self._operation(name, {"@type": _V1 + "Endpoint", **self.endpoints[name]})

    def _delete_endpoint(self, request: Request) -> Response:
        """An endpoint with deployed models cannot be deleted (Vertex AI: FAILED_PRECONDITION)."""
        endpoint = self._endpoint_record(request)
        with self._lock:
            if endpoint["deployedModels"]:
                raise ApiError(400, f"Endpoint {endpoint['name']} has deployed models; undeploy them first.")
            del self.endpoints[endpoint["name"]]
            return self._operation(endpoint["name"], {"@type": _EMPTY})

    def _get_endpoint(self, request: Request) -> Response:
        return Response.of_json(self._endpoint_record(request))

    def _update_endpoint(self, request: Request) -> Response:
        endpoint = self._endpoint_record(request)
        mask = _mask(request)
        if mask != {"trafficsplit"}:
            raise ApiError(400, f"only trafficSplit can be updated here, got {sorted(mask)}", "INVALID_ARGUMENT")
        endpoint["trafficSplit"] = self._check_split(endpoint, request.json().get("trafficSplit", {}))
        self._record(endpoint)
        return Response.of_json(endpoint)

    def _deploy_model(self, request: Request) -> Response:
        endpoint = self._endpoint_record(request)
        body = request.json()
        spec = body.get("deployedModel") or {}
        model_name, version = self._version_from_ref(spec.get("model", ""))
        resources = spec.get("dedicatedResources") or {}
        low, high = int(resources.get("minReplicaCount", 0)), int(resources.get("maxReplicaCount", 0))
        if not resources.get("machineSpec", {}).get("machineType") or low < 1 or high < low:
            raise ApiError(400, f"invalid dedicated resources {resources}", "INVALID_ARGUMENT")
        deployed_id = self._next_id()
        deployed = {
            **spec,
            "id": deployed_id,
            "model": model_name,
            "modelVersionId": version["versionId"],
            "createTime": now_rfc3339(),
        }
        split = dict(body.get("trafficSplit") or {})
        if "0" in split:
            split[deployed_id] = split.pop("0")
        endpoint["deployedModels"].append(deployed)
        if split:
            try:
                endpoint["trafficSplit"] = self._check_split(endpoint, split)
            except ApiError:
                endpoint["deployedModels"].remove(deployed)
                raise
        version["deployedModels"].append({"endpoint": endpoint["name"], "deployedModelId": deployed_id})
        self._record(endpoint)
        return self._operation(endpoint["name"], {"@type": _V1 + "DeployModelResponse", "deployedModel": deployed})

    def _find_deployed(self, endpoint: dict[str, Any], deployed_id: str) -> dict[str, Any]:
        for deployed in endpoint["deployedModels"]:
            if deployed["id"] == deployed_id:
                found: dict[str, Any] = deployed
                return found
        raise ApiError(404, f"DeployedModel {deployed_id} not found on {endpoint['name']}")

    def _undeploy_model(self, request: Request) -> Response:
        endpoint = self._endpoint_record(request)
        body = request.json()
        deployed = self._find_deployed(endpoint, body.get("deployedModelId", ""))
        split = body.get("trafficSplit")
        if split is None:
            if endpoint["trafficSplit"].get(deployed["id"], 0) > 0 and len(endpoint["deployedModels"]) > 1:
                raise ApiError(400, f"DeployedModel {deployed['id']} still receives traffic; give a new split")
            split = {k: v for k, v in endpoint["trafficSplit"].items() if k != deployed["id"]}
        if deployed["id"] in split:
            raise ApiError(400, "the new traffic split names the model being undeployed", "INVALID_ARGUMENT")
        endpoint["deployedModels"].remove(deployed)
        try:
            endpoint["trafficSplit"] = self._check_split(endpoint, split)
        except ApiError:
            endpoint["deployedModels"].append(deployed)
            raise
        _, version = self._version_from_ref(f"{deployed['model']}@{deployed['modelVersionId']}")
        version["deployedModels"] = [d for d in version["deployedModels"] if d["deployedModelId"] != deployed["id"]]
        self._record(endpoint)
        return self._operation(endpoint["name"], {"@type": _V1 + "UndeployModelResponse"})

    def _mutate_deployed_model(self, request: Request) -> Response:
        endpoint = self._endpoint_record(request)
        body = request.json()
        spec = body.get("deployedModel") or {}
        deployed = self._find_deployed(endpoint, spec.get("id", ""))
        immutable = sorted(m for m in _mask(request) if not m.startswith("dedicatedresources."))
        if immutable:
            raise ApiError(400, f"only replica counts can be mutated, got {immutable}", "INVALID_ARGUMENT")
        resources = spec.get("dedicatedResources") or {}
        current = deployed.setdefault("dedicatedResources", {})
        for key in ("minReplicaCount", "maxReplicaCount"):
            if key in resources:
                current[key] = resources[key]
        if int(current.get("minReplicaCount", 1)) < 1 or current["maxReplicaCount"] < current["minReplicaCount"]:
            raise ApiError(400, f"invalid replica counts {current}", "INVALID_ARGUMENT")
        return self._operation(
            endpoint["name"], {"@type": _V1 + "MutateDeployedModelResponse", "deployedModel": deployed}
        )

    # -- schedules -----------------------------------------------------------------------------------------
    def _schedule_record(self, request: Request) -> dict[str, Any]:
        g = request.match.groupdict()
        name = f"projects/{g['project']}/locations/{g['location']}/schedules/{g['schedule']}"
        if name not in self.schedules:
            raise ApiError(404, f"Schedule {name} not found")
        return self.schedules[name]

    @staticmethod
    def _check_schedule(schedule: dict[str, Any]) -> None:
        cron = re.sub(r"^(CRON_)?TZ=\S+\s+", "", schedule.get("cron", ""))
        if len(cron.split()) != 5:
            raise ApiError(400, f"invalid cron {schedule.get('cron')!r}", "INVALID_ARGUMENT")
        job = (schedule.get("createPipelineJobRequest") or {}).get("pipelineJob") or {}
        if not job.get("pipelineSpec"):
            raise ApiError(400, "createPipelineJobRequest.pipelineJob.pipelineSpec is required", "INVALID_ARGUMENT")
        if not schedule.get("displayName"):
            raise ApiError(400, "display_name is required", "INVALID_ARGUMENT")

    def _create_schedule(self, request: Request) -> Response:
        g = request.match.groupdict()
        body = request.json()
        self._check_schedule(body)
        name = f"projects/{g['project']}/locations/{g['location']}/schedules/{self._next_id()}"
        stamp = now_rfc3339()
        schedule = {
            **body,
            "name": name,
            "state": SCHEDULE_ACTIVE,
            "createTime": stamp,
            "updateTime": stamp,
            "maxConcurrentRunCount": body.get("maxConcurrentRunCount", "1"),
        }
        self.schedules[name] = schedule
        return Response.of_json(schedule)

    def _list_schedules(self, request: Request) -> Response:
        g = request.match.groupdict()
        prefix = f"projects/{g['project']}/locations/{g['location']}/schedules/"
        found = [s for n, s in self.schedules.items() if n.startswith(prefix)]
        if query := request.param("filter"):
            match = re.fullmatch(r'display_name="([^"]*)"', query)
            if match is None:
                raise ApiError(400, f"unsupported filter {query!r}", "INVALID_ARGUMENT")
            found = [s for s in found if s.get("displayName") == match.group(1)]
        return Response.of_json({"schedules": found})

    def _get_schedule(self, request: Request) -> Response:
        return Response.of_json(self._schedule_record(request))

    def _update_schedule(self, request: Request) -> Response:
        schedule = self._schedule_record(request)
        fields = {
            "displayname": "displayName",
            "cron": "cron",
            "createpipelinejobrequest": "createPipelineJobRequest",
            "maxconcurrentruncount": "maxConcurrentRunCount",
        }
        mask = _mask(request)
        if not mask or not mask <= set(fields):
            raise ApiError(400, f"unsupported update mask {sorted(mask)}", "INVALID_ARGUMENT")
        body = request.json()
        candidate = dict(schedule)
        for key in mask:
            candidate[fields[key]] = body.get(fields[key])
        self._check_schedule(candidate)
        schedule.update(candidate, updateTime=now_rfc3339())
        return Response.of_json(schedule)

    def _pause_schedule(self, request: Request) -> Response:
        schedule = self._schedule_record(request)
        if schedule["state"] != SCHEDULE_ACTIVE:
            raise ApiError(400, f"Schedule {schedule['name']} is not active")
        schedule["state"] = SCHEDULE_PAUSED
        return Response.of_json({})

    def _resume_schedule(self, request: Request) -> Response:
        schedule = self._schedule_record(request)
        if schedule["state"] != SCHEDULE_PAUSED:
            raise ApiError(400, f"Schedule {schedule['name']} is not paused")
        schedule["state"] = SCHEDULE_ACTIVE
        return Response.of_json({})

    def _delete_schedule(self, request: Request) -> Response:
        schedule = self._schedule_record(request)
        del self.schedules[schedule["name"]]
        return self._operation(schedule["name"], {"@type": _EMPTY})

    # -- operations ----------------------------------------------------------------------------------------
    def _get_operation(self, request: Request) -> Response:
        name = request.match.group("name")
        if name not in self.operations:
            raise ApiError(404, f"Operation {name} not found")
        operation = self.operations[name]
        if operation["_pending"] > 0:
            operation["_pending"] -= 1
            return Response.of_json({"name": name, "done": False})
        return Response.of_json({k: v for k, v in operation.items() if not k.startswith("_")})
