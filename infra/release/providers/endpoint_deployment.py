"""EndpointDeployment: which model versions an endpoint serves, on what machines, with what traffic split.

The resource owns the endpoint's deployed models. Changes are applied in an order that never leaves the
endpoint without serving capacity: new versions are deployed first with 0% traffic, then the whole split is
set in one endpoint update, and only then are versions that left the split undeployed (at 0% by then). The
split is validated (each share 0..100, total exactly 100) before any call.

Every deployed model serves as `service_account` (the environment's serving identity) rather than Vertex's
default one. The service cannot change a deployed model's identity (or machine type) in place, so a change
redeploys each affected version the same safe way: the new deployment at 0%, the split moved over, the old
one undeployed. `read` rebuilds the deployments, split and identity from the live endpoint, so `pulumi
refresh` sees a manual undeploy or re-split.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.release.providers.base import ReleaseProvider, inputs_only
from infra.release.providers.clients import VertexTarget
from infra.release.providers.retry import InFlight, RetryPolicy, call_with_retry

VERSION_NAME = re.compile(r"^projects/[^/]+/locations/[^/]+/models/[^/@]+@\d+$")
SERVICE_ACCOUNT = re.compile(r"^[^@\s]+@[^@\s]+\.gserviceaccount\.com$")
DEPLOYMENT_KEYS = ("model_version", "machine_type", "min_replicas", "max_replicas", "traffic_percent")
INTEGER_KEYS = frozenset({"min_replicas", "max_replicas", "traffic_percent"})


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One model version on the endpoint. Plain mappings with the same keys are accepted too."""

    model_version: str
    """`projects/P/locations/L/models/ID@VERSION` (ModelVersion.version_resource_name)."""
    machine_type: str
    min_replicas: int
    max_replicas: int
    traffic_percent: int


def _integral(value: Any) -> bool:
    """An int, or the integral float the engine turns every number into (protobuf Struct)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _as_mapping(item: Any) -> Mapping[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return item if isinstance(item, Mapping) else {}


def endpoint_name(props: Mapping[str, Any]) -> str:
    return f"{VertexTarget.of(props).parent}/endpoints/{props['endpoint_id']}"


def _version_of(deployed: Any) -> str:
    return f"{deployed.model}@{deployed.model_version_id}"


def _serves(deployed: Any, item: Mapping[str, Any], service_account: str | None) -> bool:
    """Whether a live deployed model is the wanted deployment: same version, machine type and identity
    (an unset identity is Vertex's default, which the service reports as an empty string)."""
    return bool(
        _version_of(deployed) == item["model_version"]
        and deployed.dedicated_resources.machine_spec.machine_type == item["machine_type"]
        and deployed.service_account == (service_account or "")
    )


def live_state(endpoint: Any, declared: Mapping[str, Any]) -> dict[str, Any]:
    """`deployments`, `service_account`, `deployed_model_ids` and `traffic_split` as the endpoint holds them.

    Deployments keep the declared order (then the undeclared ones by id), so an endpoint that matches the
    declaration diffs as unchanged. The identity is the declared one while every deployed model serves as
    it, otherwise the first other identity found: any deployed model off the declared identity is drift.
    """
    split = {k: int(v) for k, v in endpoint.traffic_split.items()}
    order = {str(_as_mapping(d).get("model_version")): i for i, d in enumerate(declared.get("deployments") or [])}
    deployed = sorted(endpoint.deployed_models, key=lambda d: (order.get(_version_of(d), len(order)), d.id))
    deployments = [
        {
            "model_version": _version_of(d),
            "machine_type": d.dedicated_resources.machine_spec.machine_type,
            "min_replicas": int(d.dedicated_resources.min_replica_count),
            "max_replicas": int(d.dedicated_resources.max_replica_count),
            "traffic_percent": split.get(d.id, 0),
        }
        for d in deployed
    ]
    wanted = declared.get("service_account") or ""
    others = sorted({d.service_account for d in deployed} - {wanted})
    account = others[0] if others else wanted
    ids: dict[str, str] = {}
    for d in deployed:
        ids.setdefault(_version_of(d), d.id)
    return {
        "deployments": deployments,
        "service_account": account or None,
        "deployed_model_ids": ids,
        "traffic_split": split,
    }



def _deployment_problems(item: Mapping[str, Any], where: str, seen: set[str]) -> tuple[list[tuple[str, str]], int]:
    """What is wrong with one deployment (`seen` collects versions across the list), and its traffic share."""
    missing = [k for k in DEPLOYMENT_KEYS if item.get(k) is None]
    if missing:
        return [(where, f"missing {', '.join(missing)}")], 0
    problems: list[tuple[str, str]] = []
    version = str(item["model_version"])
    if not VERSION_NAME.match(version):
        expected = "expected projects/.../models/ID@<version number> (not an alias)"
        problems.append((f"{where}.model_version", f"{expected}, got {version!r}"))
    if version in seen:
        problems.append((f"{where}.model_version", f"{version} appears twice"))
    seen.add(version)
    share, low, high = item["traffic_percent"], item["min_replicas"], item["max_replicas"]
    if not all(_integral(v) for v in (share, low, high)):
        return [*problems, (where, "traffic_percent, min_replicas and max_replicas must be integers")], 0
    share, low, high = int(share), int(low), int(high)
    if not 0 <= share <= 100:
        problems.append((f"{where}.traffic_percent", f"expected 0..100, got {share}"))
    if low < 1 or high < low:
        problems.append((where, f"expected 1 <= min_replicas <= max_replicas, got {low}..{high}"))
    return problems, share

class EndpointDeploymentProvider(ReleaseProvider):
    """Deploy, re-split, resize and undeploy model versions on one Vertex AI endpoint."""

    INPUTS = ("project", "location", "endpoint_id", "deployments", "service_account", "api_endpoint")
    REPLACE_ON = ("project", "location", "endpoint_id")
    """A new `service_account` is not among them: it redeploys each model on the same endpoint (see update)."""

    def validate(self, props: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for key in ("project", "location", "endpoint_id"):
            if not props.get(key):
                problems.append((key, "is required and must not be empty"))
        account = props.get("service_account")
        if account is not None and not SERVICE_ACCOUNT.match(str(account)):
            problems.append(
                (
                    "service_account",
                    f"expected a service account e-mail (name@project.iam.gserviceaccount.com), got {account!r}; "
                    "leave it unset (null) to serve as Vertex AI's default identity",
                )
            )
        deployments = props.get("deployments")
        if not isinstance(deployments, Sequence) or isinstance(deployments, str) or not deployments:
            return [*problems, ("deployments", "expected a non-empty list of deployments")]
        seen: set[str] = set()
        total = 0
        for index, raw in enumerate(deployments):
            item_problems, share = _deployment_problems(_as_mapping(raw), f"deployments[{index}]", seen)
            problems += item_problems
            total += share
        if not problems and total != 100:
            shares = [int(_as_mapping(d)["traffic_percent"]) for d in deployments]
            problems.append(("deployments", f"traffic_percent must sum to 100, got {total} ({shares})"))
        return problems

    # -- engine entry points -------------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        news = self._normalised(props)
        outs = self._converge(news)
        return CreateResult(id_=endpoint_name(news), outs={**news, **outs})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        props = self._normalised(news)
        return UpdateResult(outs={**props, **self._converge(props)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The endpoint as it is: its deployed models, their shares and identity (inputs rebuilt from them)."""
        from google.api_core import exceptions as gexc

        try:
            endpoint = self._get_endpoint(props)
        except gexc.NotFound:
            return ReadResult(None, {})
        live = live_state(endpoint, props)
        outs = {**props, **live}
        return ReadResult(id_, outs, inputs_only(outs, self.INPUTS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Undeploy every model the endpoint serves, idle ones first; the endpoint itself stays.

        A model with traffic is undeployed with a split that hands its share to the busiest remaining one;
        the last model takes the split with it (the service empties it).
        """
        from google.api_core import exceptions as gexc

        try:
            endpoint = self._get_endpoint(props)
        except gexc.NotFound:
            return
        split = {k: int(v) for k, v in endpoint.traffic_split.items()}
        remaining = sorted((d.id for d in endpoint.deployed_models), key=lambda i: (split.get(i, 0), i))
        while remaining:
            deployed_id = remaining.pop(0)
            share = split.pop(deployed_id, 0)
            new_split = None
            if share and remaining:
                heir = max(remaining, key=lambda i: (split.get(i, 0), i))
                split[heir] = split.get(heir, 0) + share
                new_split = dict(split)
            self._undeploy(props, deployed_id, new_split)

    # -- steps ---------------------------------------------------------------------------------------------
    def _normalised(self, props: Mapping[str, Any]) -> dict[str, Any]:
        news = self.require_valid(props)
        news["deployments"] = [
            {k: int(v) if k in INTEGER_KEYS else v for k, v in ((k, _as_mapping(d)[k]) for k in DEPLOYMENT_KEYS)}
            for d in news["deployments"]
        ]
        return news

    def _client(self, props: Mapping[str, Any]) -> Any:
        from infra.release.providers.clients import endpoint_service

        return endpoint_service(VertexTarget.of(props))

    def _get_endpoint(self, props: Mapping[str, Any]) -> Any:
        name = endpoint_name(props)
        return call_with_retry(
            lambda: self._client(props).get_endpoint(name=name, timeout=self.retry.call_timeout, retry=None),
            self.retry,
            f"read endpoint {name}",
        )

    def _converge(self, props: Mapping[str, Any]) -> dict[str, Any]:
        wanted = props["deployments"]
        endpoint = self._get_endpoint(props)
        account = props.get("service_account")
        ids: dict[str, str] = {}
        # 1. deploy what is missing at 0% (or 100% on an endpoint that serves nothing yet), resize the rest;
        #    a version on another machine type or identity counts as missing (neither can change in place)
        for item in wanted:
            version = item["model_version"]
            current = next((d for d in endpoint.deployed_models if _serves(d, item, account)), None)
            if current is not None:
                ids[version] = current.id
                resources = current.dedicated_resources
                if (resources.min_replica_count, resources.max_replica_count) != (
                    item["min_replicas"],
                    item["max_replicas"],
                ):
                    self._resize(props, current.id, item)
            else:
                ids[version] = self._deploy(props, item)
        # 2. the whole split in one endpoint update
        split = {ids[item["model_version"]]: item["traffic_percent"] for item in wanted}
        self._set_split(props, split)
        # 3. undeploy what left the split (it has 0% now)
        for deployed in self._get_endpoint(props).deployed_models:
            if deployed.id not in split:
                self._undeploy(props, deployed.id)
        return {"deployed_model_ids": ids, "traffic_split": {k: v for k, v in split.items()}}

    def _deploy(self, props: Mapping[str, Any], item: Mapping[str, Any]) -> str:
        """One idempotent unit: a deployment whose response was lost is found on the endpoint, not repeated."""
        from google.cloud import aiplatform_v1 as v1

        version = item["model_version"]
        in_flight = InFlight()

        def unit() -> str:
            client = self._client(props)
            if in_flight.operation is not None:  # a deployment that outlived the timeout: wait on it again
                return str(in_flight.run(lambda: None, self.retry).deployed_model.id)
            endpoint = client.get_endpoint(name=endpoint_name(props), timeout=self.retry.call_timeout, retry=None)
            for deployed in endpoint.deployed_models:
                if _serves(deployed, item, props.get("service_account")):
                    return str(deployed.id)
            serving = dict(endpoint.traffic_split)
            split = {**serving, "0": 0} if sum(serving.values()) == 100 else {"0": 100}
            start = functools.partial(
                client.deploy_model,
                endpoint=endpoint_name(props),
                deployed_model=v1.DeployedModel(
                    model=version,
                    dedicated_resources=v1.DedicatedResources(
                        machine_spec=v1.MachineSpec(machine_type=item["machine_type"]),
                        min_replica_count=item["min_replicas"],
                        max_replica_count=item["max_replicas"],
                    ),
                    service_account=props.get("service_account") or "",
                ),
                traffic_split=split,
                timeout=self.retry.call_timeout,
                retry=None,
            )
            return str(in_flight.run(start, self.retry).deployed_model.id)

        return call_with_retry(unit, self.retry, f"deploy {version} to {endpoint_name(props)}")

    def _resize(self, props: Mapping[str, Any], deployed_id: str, item: Mapping[str, Any]) -> None:
        from google.cloud import aiplatform_v1 as v1

        in_flight = InFlight()

        def unit() -> None:
            start = functools.partial(
                self._client(props).mutate_deployed_model,
                endpoint=endpoint_name(props),
                deployed_model=v1.DeployedModel(
                    id=deployed_id,
                    dedicated_resources=v1.DedicatedResources(
                        min_replica_count=item["min_replicas"], max_replica_count=item["max_replicas"]
                    ),
                ),
                update_mask={
                    "paths": ["dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"]
                },
                timeout=self.retry.call_timeout,
                retry=None,
            )
            in_flight.run(start, self.retry)

        call_with_retry(unit, self.retry, f"resize deployed model {deployed_id}")

    def _set_split(self, props: Mapping[str, Any], split: dict[str, int]) -> None:
        from google.cloud import aiplatform_v1 as v1

        name = endpoint_name(props)
        call_with_retry(
            lambda: self._client(props).update_endpoint(
                endpoint=v1.Endpoint(name=name, traffic_split=split),
                update_mask={"paths": ["traffic_split"]},
                timeout=self.retry.call_timeout,
                retry=None,
            ),
            self.retry,
            f"set traffic split {split} on {name}",
        )

    def _undeploy(self, props: Mapping[str, Any], deployed_id: str, split: dict[str, int] | None = None) -> None:
        from google.api_core import exceptions as gexc

        in_flight = InFlight()

        def unit() -> None:
            try:
                start = functools.partial(
                    self._client(props).undeploy_model,
                    endpoint=endpoint_name(props),
                    deployed_model_id=deployed_id,
                    traffic_split=split,
                    timeout=self.retry.call_timeout,
                    retry=None,
                )
                in_flight.run(start, self.retry)
            except gexc.NotFound:
                return  # already gone (an earlier attempt's response was lost)

        call_with_retry(unit, self.retry, f"undeploy {deployed_id} from {endpoint_name(props)}")


class EndpointDeployment(Resource, module="release", name="EndpointDeployment"):
    """The model versions an environment's endpoint serves and their traffic split (sums to 100)."""

    deployed_model_ids: pulumi.Output[dict[str, str]]
    """model version resource name -> deployed model id on the endpoint."""
    traffic_split: pulumi.Output[dict[str, int]]
    """deployed model id -> percent of traffic, as the endpoint holds it."""

    def __init__(
        self,
        name: str,
        project: pulumi.Input[str],
        location: pulumi.Input[str],
        endpoint_id: pulumi.Input[str],
        deployments: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]] | Deployment]],
        api_endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        service_account: pulumi.Input[str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """`service_account`: e-mail every deployed model serves as (the environment's serving account);
        unset, models serve as Vertex AI's default identity. Changing it redeploys each model, keeping the
        endpoint serving throughout."""
        items = deployments
        if isinstance(deployments, Sequence):
            items = [dataclasses.asdict(d) if isinstance(d, Deployment) else d for d in deployments]
        props = {
            "project": project,
            "location": location,
            "endpoint_id": endpoint_id,
            "deployments": items,
            "service_account": service_account,
            "api_endpoint": api_endpoint,
            "deployed_model_ids": None,
            "traffic_split": None,
        }
        super().__init__(EndpointDeploymentProvider(retry), name, props, opts)
