"""A loopback server speaking the part of Vertex AI's Metadata REST API that Experiments use.

`aiplatform.init(experiment=...)`, `start_run`, `log_params`, `log_metrics` and `end_run` keep an experiment
and its runs as metadata contexts (`system.Experiment`, `system.ExperimentRun`) in the `default` store:
get or create the store (a long-running operation, answered done), get / create / patch contexts, add a
run to its experiment, list contexts by filter. Contexts are kept by resource name in `contexts`; the
experiment's runs in `children`. No other schema is served: a call outside this list is a 404, so a client
change shows as a failing test instead of a silent pass.
"""

from __future__ import annotations

import re
from typing import Any

from infra.rehearsal.http_server import Handler
from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response, now_rfc3339

LOCATION = r"/v1/(?P<parent>projects/[^/]+/locations/[^/]+)"
STORE = LOCATION + r"/metadataStores/(?P<store>[^/:]+)"
TENSORBOARD_CHILD = (
    LOCATION + r"/(?P<collection>tensorboards/[^/:]+/experiments(?:/[^/:]+/runs(?:/[^/:]+/timeSeries)?)?)"
)
_ID_PARAMS = ("tensorboardExperimentId", "tensorboardRunId", "tensorboardTimeSeriesId")


class MetadataServer(LoopbackServer):
    STATE = ("stores", "contexts", "children", "artifacts", "context_artifacts", "tensorboards", "tensorboard_objects")

    def __init__(self) -> None:
        self.tensorboards: dict[str, dict[str, Any]] = {}
        """Tensorboards by resource name; add one (`add_tensorboard`) for experiments backed by it."""
        self.tensorboard_objects: dict[str, dict[str, Any]] = {}
        """Experiments, runs and time series created under the tensorboards, by resource name."""
        self.stores: dict[str, dict[str, Any]] = {}
        self.artifacts: dict[str, dict[str, Any]] = {}
        self.context_artifacts: dict[str, list[str]] = {}
        self.contexts: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[str]] = {}
        super().__init__()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", LOCATION + r"/tensorboards/(?P<tensorboard>[^/:]+)", self._get_tensorboard),
            ("GET", TENSORBOARD_CHILD + r"/(?P<child>[^/:]+)", self._get_tensorboard_object),
            ("POST", TENSORBOARD_CHILD, self._create_tensorboard_object),
            ("GET", TENSORBOARD_CHILD, self._list_tensorboard_objects),
            ("GET", STORE + r"/artifacts/(?P<artifact>[^/:]+)", self._get_artifact),
            ("POST", STORE + r"/artifacts", self._create_artifact),
            ("PATCH", STORE + r"/artifacts/(?P<artifact>[^/:]+)", self._patch_artifact),
            (
                "POST",
                STORE + r"/contexts/(?P<context>[^/:]+):addContextArtifactsAndExecutions",
                self._add_artifacts,
            ),
            ("GET", STORE, self._get_store),
            ("POST", LOCATION + r"/metadataStores", self._create_store),
            ("GET", STORE + r"/contexts/(?P<context>[^/:]+)", self._get_context),
            ("PATCH", STORE + r"/contexts/(?P<context>[^/:]+)", self._patch_context),
            ("POST", STORE + r"/contexts/(?P<context>[^/:]+):addContextChildren", self._add_children),
            ("POST", STORE + r"/contexts", self._create_context),
            ("GET", STORE + r"/contexts", self._list_contexts),
        ]

    def runs_of(self, experiment: str) -> list[dict[str, Any]]:
        """The run contexts added to the experiment context whose id is `experiment`."""
        parent = next((name for name in self.children if name.endswith(f"/contexts/{experiment}")), None)
        return [self.contexts[name] for name in self.children.get(parent or "", [])]

    def add_tensorboard(self, name: str) -> dict[str, Any]:
        """Register the Tensorboard `projects/P/locations/L/tensorboards/ID` (the stack creates it)."""
        self.tensorboards[name] = {"name": name, "displayName": name.rsplit("/", 1)[-1], "createTime": now_rfc3339()}
        return self.tensorboards[name]

    # -- tensorboards -------------------------------------------------------------------------------------
    def _get_tensorboard(self, request: Request) -> Response:
        name = f"{request.match['parent']}/tensorboards/{request.match['tensorboard']}"
        if name not in self.tensorboards:
            raise ApiError(404, f"Tensorboard {name} not found")
        return Response.of_json(self.tensorboards[name])

    def _get_tensorboard_object(self, request: Request) -> Response:
        name = f"{request.match['parent']}/{request.match['collection']}/{request.match['child']}"
        if name not in self.tensorboard_objects:
            raise ApiError(404, f"{name} not found")
        return Response.of_json(self.tensorboard_objects[name])

    def _create_tensorboard_object(self, request: Request) -> Response:
        object_id = next((request.param(p) for p in _ID_PARAMS if request.param(p)), None) or str(
            len(self.tensorboard_objects) + 1
        )
        name = f"{request.match['parent']}/{request.match['collection']}/{object_id}"
        if name in self.tensorboard_objects:
            raise ApiError(409, f"{name} already exists")
        self.tensorboard_objects[name] = {**request.json(), "name": name, "createTime": now_rfc3339()}
        return Response.of_json(self.tensorboard_objects[name])

    def _list_tensorboard_objects(self, request: Request) -> Response:
        prefix = f"{request.match['parent']}/{request.match['collection']}/"
        found = [
            v
            for k, v in sorted(self.tensorboard_objects.items())
            if k.startswith(prefix) and "/" not in k[len(prefix) :]
        ]
        key = {
            "experiments": "tensorboardExperiments",
            "runs": "tensorboardRuns",
            "timeSeries": "tensorboardTimeSeries",
        }
        return Response.of_json({key[request.match["collection"].rsplit("/", 1)[-1]]: found})

    # -- artifacts ----------------------------------------------------------------------------------------
    def _artifact_name(self, request: Request, artifact: str) -> str:
        return f"{request.match['parent']}/metadataStores/{request.match['store']}/artifacts/{artifact}"

    def _get_artifact(self, request: Request) -> Response:
        name = self._artifact_name(request, request.match["artifact"])
        if name not in self.artifacts:
            raise ApiError(404, f"Artifact {name} not found")
        return Response.of_json(self.artifacts[name])

    def _create_artifact(self, request: Request) -> Response:
        name = self._artifact_name(request, request.param("artifactId") or str(len(self.artifacts) + 1))
        if name in self.artifacts:
            raise ApiError(409, f"Artifact {name} already exists")
        self.artifacts[name] = {"metadata": {}, **request.json(), "name": name, "createTime": now_rfc3339()}
        return Response.of_json(self.artifacts[name])

    def _patch_artifact(self, request: Request) -> Response:
        name = self._artifact_name(request, request.match["artifact"])
        if name not in self.artifacts:
            raise ApiError(404, f"Artifact {name} not found")
        self.artifacts[name].update({k: v for k, v in request.json().items() if k != "name"})
        return Response.of_json(self.artifacts[name])

    def _add_artifacts(self, request: Request) -> Response:
        context = self._existing(request)["name"]
        for artifact in request.json().get("artifacts", []):
            if artifact not in self.artifacts:
                raise ApiError(404, f"Artifact {artifact} not found")
            self.context_artifacts.setdefault(context, []).append(artifact)
        return Response.of_json({})

    # -- stores -------------------------------------------------------------------------------------------
    def _get_store(self, request: Request) -> Response:
        name = f"{request.match['parent']}/metadataStores/{request.match['store']}"
        if name not in self.stores:
            raise ApiError(404, f"MetadataStore {name} not found")
        return Response.of_json(self.stores[name])

    def _create_store(self, request: Request) -> Response:
        store_id = request.param("metadataStoreId") or "default"
        name = f"{request.match['parent']}/metadataStores/{store_id}"
        self.stores[name] = {**request.json(), "name": name, "createTime": now_rfc3339()}
        response = {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.MetadataStore", **self.stores[name]}
        return Response.of_json({"name": f"{name}/operations/1", "done": True, "response": response})

    # -- contexts -----------------------------------------------------------------------------------------
    def _context_name(self, request: Request, context: str) -> str:
        return f"{request.match['parent']}/metadataStores/{request.match['store']}/contexts/{context}"

    def _existing(self, request: Request) -> dict[str, Any]:
        name = self._context_name(request, request.match["context"])
        if name not in self.contexts:
            raise ApiError(404, f"Context {name} not found")
        return self.contexts[name]

    def _get_context(self, request: Request) -> Response:
        return Response.of_json(self._existing(request))

    def _create_context(self, request: Request) -> Response:
        context_id = request.param("contextId")
        if not context_id or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,127}", context_id):
            raise ApiError(400, f"contextId must match [a-z0-9][a-z0-9-]{{0,127}}, found {context_id!r}")
        name = self._context_name(request, context_id)
        if name in self.contexts:
            raise ApiError(409, f"Context {name} already exists")
        now = now_rfc3339()
        self.contexts[name] = {"metadata": {}, **request.json(), "name": name, "createTime": now, "updateTime": now}
        return Response.of_json(self.contexts[name])

    def _patch_context(self, request: Request) -> Response:
        context = self._existing(request)
        body = request.json()
        mask = request.param("updateMask")
        fields = mask.split(",") if mask else [key for key in body if key != "name"]
        for field in fields:
            if field in body:
                context[field] = body[field]
        context["updateTime"] = now_rfc3339()
        return Response.of_json(context)

    def _add_children(self, request: Request) -> Response:
        parent = self._existing(request)["name"]
        for child in request.json().get("childContexts", []):
            if child not in self.contexts:
                raise ApiError(404, f"Context {child} not found")
            if child not in self.children.setdefault(parent, []):
                self.children[parent].append(child)
        return Response.of_json({})

    def _list_contexts(self, request: Request) -> Response:
        prefix = f"{request.match['parent']}/metadataStores/{request.match['store']}/contexts/"
        wanted = re.findall(r'schema_title="([^"]+)"', request.param("filter") or "")
        found = [
            context
            for name, context in sorted(self.contexts.items())
            if name.startswith(prefix) and (not wanted or context.get("schemaTitle") in wanted)
        ]
        return Response.of_json({"contexts": found})
