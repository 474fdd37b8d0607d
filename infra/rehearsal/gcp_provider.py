"""A loopback `gcp` resource provider for the real Pulumi engine: a test harness at the provider gRPC boundary.

The engine loads it as the `gcp` plugin (an executable `pulumi-resource-gcp` on PATH runs
`python -m infra.rehearsal.gcp_provider`; see `infra.rehearsal.plugins`) and speaks the provider protocol
(`pulumi.runtime.proto.provider_pb2_grpc`) to it: GetPluginInfo, CheckConfig / DiffConfig / Configure, Check,
Diff (with `replaces` and a detailed diff), Create, Read, Update, Delete and Invoke.

What it computes comes from the same code as the offline synth, not a copy:
- ids and derived outputs (service-account e-mails, key ids, topic ids, ...): `infra.synth.derived`;
- which changes replace: the force-new table `infra.diff.force_new`;
- data sources (`gcp:organizations/getProject:getProject`, ...): `infra.synth.invokes`.
It keeps its own state in a JSON file (`MLOPS_LOOPBACK_GCP_STATE`), so a second `pulumi up` sees real old
state, and it can inject faults (`MLOPS_LOOPBACK_GCP_FAULTS`, a JSON list of
`{"op": "create|update|delete", "type": "<type token or *>", "nth": N, "error": "quota|internal", "delay": s}`):
fail the Nth matching operation (counted across runs), or answer it late. With `MLOPS_LOOPBACK_VERTEX_API`
set, Vertex AI endpoints are also created and deleted on that (loopback) Vertex AI server, as pulumi-gcp's
AiEndpoint would, so the release providers find the endpoints they deploy to.

What a real provider does that this one does not (it echoes inputs; it is not an emulator of Google Cloud):
- no validation of values against Google's APIs, no provider-side defaults, no auto-naming;
- outputs are the inputs plus the derived ids above, and stand-ins for the URLs Google assigns to what other
  resources call (`SERVER_URLS`: a Cloud Run function's `url`, a Cloud Run service's `uri`, an internal
  address's `address`); other server-generated fields (etags, create times, numbers other than the
  documented project-number stand-in) are absent;
- list diffs are positional like the Terraform bridge's, without its schema-aware set handling;
- no drift of its own: Read returns what this provider last wrote; an edit of its state file (what a change
  made by hand in the console would be) is what `pulumi refresh` then finds;
- secret inputs are kept in its state file as a digest only, so Read cannot return their values;
- IAM, quotas, eventual consistency and API enablement order are not modelled.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from infra.diff.compute import property_diffs
from infra.diff.force_new import force_new_paths
from infra.diff.paths import Keyed, Order, format_path, overlaps, parse_path
from infra.synth.derived import derive_outputs
from infra.synth.invokes import answer_invoke
from infra.synth.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL

STATE_ENV = "MLOPS_LOOPBACK_GCP_STATE"
FAULTS_ENV = "MLOPS_LOOPBACK_GCP_FAULTS"
VERTEX_API_ENV = "MLOPS_LOOPBACK_VERTEX_API"
ENDPOINT_TYPE = "gcp:vertex/aiEndpoint:AiEndpoint"

_KIND = provider_pb2.PropertyDiff.Kind
_KINDS = {"add": _KIND.ADD, "delete": _KIND.DELETE, "update": _KIND.UPDATE}
_REPLACE_KINDS = {"add": _KIND.ADD_REPLACE, "delete": _KIND.DELETE_REPLACE, "update": _KIND.UPDATE_REPLACE}



def _function_url(inputs: dict[str, Any], project: str) -> tuple[str, str]:
    """A Cloud Run function's `url` (gen2 keeps the cloudfunctions.net form), from its location and name."""
    owner = inputs.get("project") or project
    return "url", f"https://{inputs.get('location')}-{owner}.cloudfunctions.net/{inputs.get('name')}"


def _service_uri(inputs: dict[str, Any], project: str) -> tuple[str, str]:
    """A Cloud Run service's `uri`; Google adds a per-project hash, stood in by one derived from the project."""
    owner = str(inputs.get("project") or project)
    stand_in = hashlib.sha256(owner.encode()).hexdigest()[:10]
    return "uri", f"https://{inputs.get('name')}-{stand_in}-{str(inputs.get('location'))[:2]}.a.run.app"


def _internal_address(inputs: dict[str, Any], project: str) -> tuple[str, str]:  # noqa: ARG001 - SERVER_URLS' shape
    """An internal address's `address` when none is asked for; Google allocates one from the subnetwork,
    stood in by one derived from the subnetwork and name (the gateway's PSC URL is built from it)."""
    digest = hashlib.sha256(f"{inputs.get('subnetwork')}/{inputs.get('name')}".encode()).digest()
    return "address", f"10.{digest[0]}.{digest[1]}.{2 + digest[2] % 250}"


SERVER_URLS = {
    "gcp:cloudfunctionsv2/function:Function": _function_url,
    "gcp:cloudrunv2/service:Service": _service_uri,
    "gcp:compute/address:Address": _internal_address,
}
"""URLs Google assigns on create that other resources consume (a push endpoint, an audience): a real provider
returns them, so a program's second run sees them known and unchanged."""

def gcp_plugin_version() -> str:
    """The version the engine asks for: the installed pulumi_gcp SDK's."""
    return importlib.metadata.version("pulumi_gcp")


# -- values ------------------------------------------------------------------------------------------------
def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct) if struct is not None else {}


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _known(value: Any) -> Any:
    """The value with secrets unwrapped and unknowns as None (what `derive_outputs` can use)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return _known(value.get("value"))
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return None if value == UNKNOWN_SENTINEL else value


def _redacted(value: Any) -> Any:
    """What the state file keeps: a secret only as the digest of its value."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            digest = hashlib.sha256(json.dumps(value.get("value"), sort_keys=True).encode()).hexdigest()
            return {"[secret]": f"sha256:{digest}"}
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _plain_path(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """A diff path as the engine's detailed diff writes it: list items by position."""
    return tuple(int(s) if isinstance(s, Keyed) else s for s in path if not isinstance(s, Order))


def compute_diff(resource_type: str, olds: dict[str, Any], news: dict[str, Any]) -> provider_pb2.DiffResponse:
    """Changed properties (detailed, positional), and the replace reasons from the force-new table."""
    force_new = [parse_path(p) for p in force_new_paths(resource_type)]
    detailed: dict[str, provider_pb2.PropertyDiff] = {}
    diffs: list[str] = []
    replaces: list[str] = []
    for path, kind, _before, _after in property_diffs(olds, news):
        path = _plain_path(path)
        top = format_path(path[:1])
        replace = any(overlaps(pattern, path) for pattern in force_new)
        detailed[format_path(path)] = provider_pb2.PropertyDiff(
            kind=(_REPLACE_KINDS if replace else _KINDS)[kind], inputDiff=True
        )
        if top not in diffs:
            diffs.append(top)
        if replace and top not in replaces:
            replaces.append(top)
    return provider_pb2.DiffResponse(
        changes=provider_pb2.DiffResponse.DIFF_SOME if detailed else provider_pb2.DiffResponse.DIFF_NONE,
        replaces=replaces,
        diffs=diffs,
        detailedDiff=detailed,
        hasDetailedDiff=True,
        deleteBeforeReplace=False,
    )


# -- state -------------------------------------------------------------------------------------------------
class ProviderState:
    """The provider's own record of what it created, in a JSON file shared by every run (file-locked)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[str, Any] = {"resources": {}, "counters": {}}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            if self.path is None:
                yield self._memory
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_suffix(".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                data = json.loads(self.path.read_text()) if self.path.is_file() else {"resources": {}, "counters": {}}
                yield data
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
                tmp.replace(self.path)


class Fault(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def _faults() -> list[dict[str, Any]]:
    raw = os.environ.get(FAULTS_ENV, "")
    return json.loads(raw) if raw else []


# -- the service ------------------------------------------------------------------------------------------
class LoopbackGcpProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The `gcp` provider the engine talks to; see the module docstring for what it does and does not do."""

    def __init__(self, state: ProviderState, vertex_api: str | None = None) -> None:
        self.state = state
        self.vertex_api = vertex_api
        self.config: dict[str, Any] = {}

    # plugin and configuration
    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=gcp_plugin_version())

    def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        olds = to_dict(request.old_inputs) or to_dict(request.olds)
        return compute_diff("pulumi:providers:gcp", olds, to_dict(request.news))

    def Configure(
        self, request: provider_pb2.ConfigureRequest, context: grpc.ServicerContext
    ) -> provider_pb2.ConfigureResponse:
        self.config = _known(to_dict(request.args)) if request.HasField("args") else {
            key.rsplit(":", 1)[-1]: value for key, value in request.variables.items()
        }
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=False)

    # resources
    def Check(self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        olds = to_dict(request.old_inputs) if request.HasField("old_inputs") else to_dict(request.olds)
        return compute_diff(request.type or _type_of(request.urn), olds, to_dict(request.news))

    def Create(self, request: provider_pb2.CreateRequest, context: grpc.ServicerContext) -> provider_pb2.CreateResponse:
        resource_type = request.type or _type_of(request.urn)
        inputs = to_dict(request.properties)
        resource_id, outputs = self._outputs(resource_type, inputs)
        if request.preview:
            return provider_pb2.CreateResponse(id=resource_id, properties=to_struct(outputs))
        self._fault(context, "create", resource_type)
        resource_id = resource_id or _generated_id(request.urn)
        if resource_type == ENDPOINT_TYPE:
            self._vertex_endpoint("POST", inputs)
        with self.state.edit() as data:
            data["resources"][request.urn] = {
                "id": resource_id, "type": resource_type, "inputs": _redacted(inputs), "outputs": _redacted(outputs),
            }
        return provider_pb2.CreateResponse(id=resource_id, properties=to_struct(outputs))

    def Read(self, request: provider_pb2.ReadRequest, context: grpc.ServicerContext) -> provider_pb2.ReadResponse:
        with self.state.edit() as data:
            entry = data["resources"].get(request.urn)
        if entry is None or entry["id"] != request.id:
            return provider_pb2.ReadResponse(id="")  # gone
        # The live inputs are what the resource's outputs now say (an edit made by hand shows as drift).
        inputs = {key: entry["outputs"].get(key, value) for key, value in entry["inputs"].items()}
        return provider_pb2.ReadResponse(
            id=entry["id"], properties=to_struct(entry["outputs"]), inputs=to_struct(inputs)
        )

    def Update(self, request: provider_pb2.UpdateRequest, context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        resource_type = request.type or _type_of(request.urn)
        inputs = to_dict(request.news)
        _, outputs = self._outputs(resource_type, inputs)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=to_struct(outputs))
        self._fault(context, "update", resource_type)
        with self.state.edit() as data:
            data["resources"][request.urn] = {
                "id": request.id, "type": resource_type, "inputs": _redacted(inputs), "outputs": _redacted(outputs),
            }
        return provider_pb2.UpdateResponse(properties=to_struct(outputs))

    def Delete(self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        resource_type = request.type or _type_of(request.urn)
        self._fault(context, "delete", resource_type)
        if resource_type == ENDPOINT_TYPE:
            self._vertex_endpoint("DELETE", to_dict(request.old_inputs) or to_dict(request.properties), context)
        with self.state.edit() as data:
            entry = data["resources"].get(request.urn)
            if entry is not None and entry["id"] == request.id:
                del data["resources"][request.urn]
        return empty_pb2.Empty()

    def Invoke(self, request: provider_pb2.InvokeRequest, context: grpc.ServicerContext) -> provider_pb2.InvokeResponse:
        answer = answer_invoke(request.tok, _known(to_dict(request.args)), self.config)
        if answer is None:
            return provider_pb2.InvokeResponse(
                failures=[provider_pb2.CheckFailure(property="", reason=f"{request.tok} is not answered offline")]
            )
        return provider_pb2.InvokeResponse(**{"return": to_struct(answer)})

    # helpers
    def _outputs(self, resource_type: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(id, outputs): the inputs as given plus what `derive_outputs` computes from the known ones, and the
        stand-in URL Google would assign (`SERVER_URLS`)."""
        project = str(self.config.get("project", ""))
        resource_id, derived = derive_outputs(resource_type, _known(inputs), project)
        served = SERVER_URLS.get(resource_type)
        if served is not None:
            key, url = served(_known(inputs), project)
            derived = {**derived, key: url}
        return resource_id, {**inputs, **{k: v for k, v in derived.items() if k not in inputs}}

    def _fault(self, context: grpc.ServicerContext, op: str, resource_type: str) -> None:
        for index, fault in enumerate(_faults()):
            if fault.get("op") != op or fault.get("type", "*") not in ("*", resource_type):
                continue
            with self.state.edit() as data:
                key = f"{index}:{op}:{fault.get('type', '*')}"
                seen = data["counters"][key] = data["counters"].get(key, 0) + 1
            if seen != int(fault.get("nth", 1)):
                continue
            if fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault.get("error") == "quota":
                context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"googleapi: Error 429: Quota exceeded for {resource_type} ({op} #{seen}, injected)",
                )
            if fault.get("error"):
                context.abort(
                    grpc.StatusCode.INTERNAL, f"googleapi: Error 500: {op} of {resource_type} failed (injected)"
                )

    def _vertex_endpoint(
        self, method: str, inputs: dict[str, Any], context: grpc.ServicerContext | None = None
    ) -> None:
        """Create / delete the endpoint on the loopback Vertex AI server, as the real AiEndpoint does."""
        if not self.vertex_api:
            return
        values = _known(inputs)
        project = values.get("project") or self.config.get("project")
        location = values.get("location") or values.get("region")
        base = f"{self.vertex_api}/v1/projects/{project}/locations/{location}/endpoints"
        if method == "POST":
            url, body = f"{base}?endpointId={values['name']}", json.dumps({"displayName": values.get("displayName")})
        else:
            url, body = f"{base}/{values['name']}", None
        request = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 409):  # already gone / already there: idempotent
                return
            message = exc.read().decode(errors="replace")
            if context is not None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"googleapi: Error {exc.code}: {message}")
            raise


def _type_of(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def _generated_id(urn: str) -> str:
    """A stable id for types whose id Google Cloud composes from server-side values."""
    return hashlib.sha256(urn.encode()).hexdigest()[:20]


def serve() -> None:
    """Start on a free loopback port, print it (the plugin handshake), and serve until the engine stops us."""
    state_path = os.environ.get(STATE_ENV)
    provider = LoopbackGcpProvider(
        ProviderState(Path(state_path) if state_path else None), os.environ.get(VERTEX_API_ENV) or None
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.max_receive_message_length", 1 << 28)]
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()


if __name__ == "__main__":  # pragma: no cover - run by the engine as a plugin
    serve()
