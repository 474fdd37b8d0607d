"""Monthly cost estimates: replicas drive the endpoint range, the price table is the only source of prices."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from contracts.errors import UserInputError
from infra.cli.app import main
from infra.cost import cost_change, estimate, load_prices
from tests.checkout import PROJECT
from tests.infra.diff.helpers import BUCKET, resource, snapshot

DEPLOYMENT = "pulumi-python:dynamic/release:EndpointDeployment"


def env(max_replicas: int, machine: str = "n1-standard-4") -> dict[str, Any]:
    return snapshot("staging", [
        resource("staging", DEPLOYMENT, "deploy", {"deployments": [
            {"machine_type": machine, "min_replicas": 1, "max_replicas": max_replicas, "traffic_percent": 100},
        ]}),
        resource("staging", BUCKET, "data", {"name": "d", "location": "europe-west4"}),
        resource("staging", "gcp:kms/cryptoKey:CryptoKey", "key", {"name": "k"}),
    ])


def test_endpoint_range_is_node_hours_times_min_and_max_replicas() -> None:
    prices = load_prices()
    rate, hours = prices["vertex_node_hour"]["n1-standard-4"], prices["hours_per_month"]
    items = {i.urn.rsplit("::", 1)[-1]: i for i in estimate(env(3), prices).items}
    assert items["deploy"].monthly_usd_min == round(rate * hours, 2)
    assert items["deploy"].monthly_usd_max == round(rate * hours * 3, 2)
    bucket_gb = prices["sizes"]["bucket_gb"]
    assert items["data"].monthly_usd_min == round(prices["storage_gb_month"]["region"] * bucket_gb, 2)
    assert items["key"].monthly_usd_max == prices["kms_key_version_month"]["SOFTWARE"]


def test_raising_max_replicas_raises_the_maximum_and_the_delta_only() -> None:
    change = cost_change(env(5), env(3))
    (low, high), (delta_low, delta_high) = change.head.monthly_usd, change.delta_usd
    assert delta_low == 0
    assert delta_high > 0
    assert high > low
    doc = change.to_json()
    assert set(doc) == {"env", "monthly_usd", "delta_usd", "items"}
    assert set(doc["items"][0]) == {"urn", "type", "monthly_usd_min", "monthly_usd_max", "basis"}
    assert cost_change(env(3), None).delta_usd == cost_change(env(3), None).head.monthly_usd


def test_an_unpriced_machine_type_is_an_error_naming_the_table_key() -> None:
    with pytest.raises(UserInputError) as caught:
        estimate(env(2, machine="a3-megagpu-8g"))
    assert caught.value.problems[0].key_path == "vertex_node_hour.a3-megagpu-8g"


def test_cli_json_for_prod_follows_max_replicas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--env", "prod", "--format", "json", "--base", "HEAD"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["env"] == "prod"
    assert doc["monthly_usd"]["max"] > doc["monthly_usd"]["min"] > 0
    from infra.synth import synth_stack

    prod = synth_stack("prod", PROJECT)
    bigger = copy.deepcopy(prod)
    for r in bigger["resources"]:
        if r["type"] == DEPLOYMENT:
            for d in r["inputs"]["deployments"]:
                d["max_replicas"] += 2
    assert cost_change(bigger, prod).delta_usd[1] > 0
    assert cost_change(bigger, prod).head.monthly_usd[1] > doc["monthly_usd"]["max"]
