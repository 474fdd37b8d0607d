"""Monthly cost of an environment from its offline snapshot, as a range, with the basis of every item.

What is priced (`prices.yaml`, versioned with its sources and date):
- Vertex AI endpoint deployments: machine type node-hours x min replicas (min) and x max replicas (max).
- Cloud Run minimum instances, idle (vCPU and memory limits of the first container).
- Cloud Storage buckets and BigQuery tables at the sizes the price file assumes per stack (a snapshot holds no
  data volume); KMS key versions by protection level; Pub/Sub throughput from 0 up to the assumed volume.
Not priced: per-request charges (predictions, API calls), logging and monitoring volumes, network egress,
pipeline runs. A machine type missing from the table is an error naming the file and the key, not a zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from contracts.yamlfile import read_yaml_mapping

PRICES_FILE = Path(__file__).with_name("prices.yaml")
ENDPOINT_DEPLOYMENT = "pulumi-python:dynamic/release:EndpointDeployment"
MULTI_REGIONS = frozenset({"EU", "US", "ASIA"})


@dataclass(frozen=True)
class CostItem:
    urn: str
    type: str
    monthly_usd_min: float
    monthly_usd_max: float
    basis: str


@dataclass
class CostEstimate:
    env: str
    items: list[CostItem] = field(default_factory=list)

    @property
    def monthly_usd(self) -> tuple[float, float]:
        return (round(sum(i.monthly_usd_min for i in self.items), 2),
                round(sum(i.monthly_usd_max for i in self.items), 2))


@dataclass
class CostChange:
    """The estimate of the head and of the base (None: nothing deployed there)."""

    head: CostEstimate
    base: CostEstimate | None

    @property
    def delta_usd(self) -> tuple[float, float]:
        low, high = self.head.monthly_usd
        base_low, base_high = self.base.monthly_usd if self.base else (0.0, 0.0)
        return round(low - base_low, 2), round(high - base_high, 2)

    def to_json(self) -> dict[str, Any]:
        """The pinned shape of `mlops cost --format json`."""
        low, high = self.head.monthly_usd
        delta_low, delta_high = self.delta_usd
        return {
            "env": self.head.env,
            "monthly_usd": {"min": low, "max": high},
            "delta_usd": {"min": delta_low, "max": delta_high},
            "items": [
                {"urn": i.urn, "type": i.type, "monthly_usd_min": i.monthly_usd_min,
                 "monthly_usd_max": i.monthly_usd_max, "basis": i.basis}
                for i in self.head.items
            ],
        }


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """The versioned price table, read as YAML 1.2 (repeated keys refused, errors name file and line)."""
    document = read_yaml_mapping(path)
    if document.get("version") != 1:
        raise UserInputError.single(str(path), "version", "expected a price table with `version: 1`")
    return document


def _sizes(prices: dict[str, Any], stack: str) -> dict[str, float]:
    return {**prices["sizes"], **(prices.get("sizes_by_stack") or {}).get(stack, {})}


def _node_hour(prices: dict[str, Any], machine_type: str, urn: str) -> float:
    table = prices["vertex_node_hour"]
    if machine_type not in table:
        raise UserInputError.single(
            str(PRICES_FILE), f"vertex_node_hour.{machine_type}",
            f"no price for machine type {machine_type!r} (used by {urn.rsplit('::', 1)[-1]}); add its node-hour "
            "price from the Vertex AI pricing page", summary="incomplete price table",
        )
    return float(table[machine_type])


def _deployment_items(resource: dict[str, Any], prices: dict[str, Any]) -> list[CostItem]:
    hours = float(prices["hours_per_month"])
    items = []
    for deployment in resource["inputs"].get("deployments") or []:
        machine = str(deployment.get("machine_type"))
        low, high = int(deployment.get("min_replicas") or 1), int(deployment.get("max_replicas") or 1)
        rate = _node_hour(prices, machine, resource["urn"])
        items.append(CostItem(resource["urn"], resource["type"], round(rate * hours * low, 2),
                              round(rate * hours * high, 2),
                              f"{machine} at ${rate}/node-hour x {hours:g} h x {low}..{high} replicas"))
    return items


def _cloud_run_item(resource: dict[str, Any], prices: dict[str, Any]) -> CostItem | None:
    template = resource["inputs"].get("template") or {}
    instances = int((template.get("scaling") or {}).get("minInstanceCount") or 0)
    if not instances:
        return None
    limits = ((template.get("containers") or [{}])[0].get("resources") or {}).get("limits") or {}
    cpu_text = str(limits.get("cpu", "1"))
    cpu = float(cpu_text[:-1]) / 1000 if cpu_text.endswith("m") else float(cpu_text)
    memory = str(limits.get("memory", "512Mi"))
    gib = float(memory[:-2]) / 1024 if memory.endswith("Mi") else float(memory.removesuffix("Gi"))
    rate = prices["cloud_run_idle"]
    seconds = float(prices["hours_per_month"]) * 3600
    cost = round(instances * seconds * (cpu * rate["vcpu_second"] + gib * rate["gib_second"]), 2)
    return CostItem(resource["urn"], resource["type"], cost, cost,
                    f"{instances} idle minimum instance(s) of {cpu:g} vCPU / {gib:g} GiB")


def _bucket_item(resource: dict[str, Any], prices: dict[str, Any], sizes: dict[str, float]) -> CostItem:
    location = str(resource["inputs"].get("location") or "US").upper()
    kind = "multi_region" if location in MULTI_REGIONS else ("dual_region" if "+" in location else "region")
    rate = float(prices["storage_gb_month"][kind])
    cost = round(rate * sizes["bucket_gb"], 2)
    return CostItem(resource["urn"], resource["type"], cost, cost,
                    f"{sizes['bucket_gb']:g} GB assumed (prices.yaml sizes) x ${rate}/GB-month ({kind} {location})")


def _table_item(resource: dict[str, Any], prices: dict[str, Any], sizes: dict[str, float]) -> CostItem | None:
    if resource["inputs"].get("view"):
        return None
    rate = float(prices["bigquery_gb_month"]["active"])
    cost = round(rate * sizes["bigquery_table_gb"], 2)
    return CostItem(resource["urn"], resource["type"], cost, cost,
                    f"{sizes['bigquery_table_gb']:g} GB assumed active storage x ${rate}/GB-month")


def _key_item(resource: dict[str, Any], prices: dict[str, Any]) -> CostItem:
    level = str((resource["inputs"].get("versionTemplate") or {}).get("protectionLevel") or "SOFTWARE")
    rate = float(prices["kms_key_version_month"].get(level, prices["kms_key_version_month"]["SOFTWARE"]))
    return CostItem(resource["urn"], resource["type"], rate, rate,
                    f"1 active {level} key version (rotation adds one per period until old ones are destroyed)")


def _topic_item(resource: dict[str, Any], prices: dict[str, Any], sizes: dict[str, float]) -> CostItem:
    gib = sizes["pubsub_gib_per_topic_month"]
    high = round(gib / 1024 * float(prices["pubsub_tib"]), 2)
    return CostItem(resource["urn"], resource["type"], 0.0, high,
                    f"0..{gib:g} GiB/month throughput assumed x ${prices['pubsub_tib']}/TiB")


def estimate(document: dict[str, Any], prices: dict[str, Any] | None = None) -> CostEstimate:
    """Cost items of every priced resource of one snapshot."""
    prices = prices or load_prices()
    stack = str(document["stack"])
    sizes = _sizes(prices, stack)
    result = CostEstimate(stack)
    for resource in document.get("resources", []):
        kind = resource["type"]
        item: CostItem | None = None
        if kind == ENDPOINT_DEPLOYMENT:
            result.items.extend(_deployment_items(resource, prices))
            continue
        if kind == "gcp:cloudrunv2/service:Service":
            item = _cloud_run_item(resource, prices)
        elif kind == "gcp:storage/bucket:Bucket":
            item = _bucket_item(resource, prices, sizes)
        elif kind == "gcp:bigquery/table:Table":
            item = _table_item(resource, prices, sizes)
        elif kind == "gcp:kms/cryptoKey:CryptoKey":
            item = _key_item(resource, prices)
        elif kind == "gcp:pubsub/topic:Topic":
            item = _topic_item(resource, prices, sizes)
        if item is not None:
            result.items.append(item)
    return result


def cost_change(head: dict[str, Any], base: dict[str, Any] | None) -> CostChange:
    prices = load_prices()
    return CostChange(estimate(head, prices), estimate(base, prices) if base else None)
