"""A public ingress with the invoker check off is both rules' finding: reachable, and callable by anyone."""

from __future__ import annotations

import pulumi_gcp as gcp

from policies import types as t
from policies.model import ResourceOptions
from policies.rules.run import service_ingress_restricted, service_invoker_iam_check
from policies.testing import engine_inputs

TEMPLATE = {"service_account": "genai-prod-gateway@acme-prod.iam.gserviceaccount.com", "containers": [{"image": "x"}]}


def inputs(**changes: object) -> dict[str, object]:
    return engine_inputs(gcp.cloudrunv2.ServiceArgs, location="europe-west4", template=TEMPLATE, **changes)


def test_ingress_all_with_the_invoker_check_off_is_reported_by_both_rules() -> None:
    found = inputs(ingress="INGRESS_TRAFFIC_ALL", invoker_iam_disabled=True)
    (ingress,) = service_ingress_restricted.RULE.evaluate(t.RUN_SERVICE, found, ResourceOptions())
    (invoker,) = service_invoker_iam_check.RULE.evaluate(t.RUN_SERVICE, found, ResourceOptions())
    assert "'INGRESS_TRAFFIC_ALL' (traffic from the internet)" in ingress.message
    assert "anyone on the internet can call it without authentication" in invoker.message


def test_both_internal_ingresses_pass_and_other_types_are_not_looked_at() -> None:
    for ingress in service_ingress_restricted.ALLOWED:
        assert service_ingress_restricted.RULE.evaluate(t.RUN_SERVICE, inputs(ingress=ingress), ResourceOptions()) == []
    assert service_ingress_restricted.RULE.evaluate(t.RUN_JOB, {}, ResourceOptions()) == []
