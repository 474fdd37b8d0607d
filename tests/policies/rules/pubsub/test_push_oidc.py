"""A push subscription must carry an OIDC token; pull subscriptions are not looked at; unknown is undetermined."""

from __future__ import annotations

import pulumi_gcp as gcp

from policies import types as t
from policies.model import Finding, ResourceOptions
from policies.rules.pubsub import push_oidc
from policies.testing import engine_inputs
from policies.values import UNKNOWN

ENDPOINT = "https://genai-prod-retraining-abc123-ew.a.run.app"
PUSHER = "genai-prod-retraining-push@acme-prod.iam.gserviceaccount.com"


def evaluate(**arguments: object) -> list[Finding]:
    inputs = engine_inputs(gcp.pubsub.SubscriptionArgs, topic="retraining-requests", **arguments)
    return push_oidc.RULE.evaluate(t.SUBSCRIPTION, inputs, ResourceOptions())


def test_a_push_with_an_oidc_token_passes() -> None:
    push = {"push_endpoint": ENDPOINT, "oidc_token": {"service_account_email": PUSHER, "audience": ENDPOINT}}
    assert evaluate(push_config=push) == []


def test_a_pull_subscription_is_not_looked_at() -> None:
    assert evaluate() == []


def test_an_unauthenticated_push_is_reported_with_the_fix() -> None:
    (finding,) = evaluate(push_config={"push_endpoint": ENDPOINT})
    assert finding.message.startswith("pushConfig.oidcToken.serviceAccountEmail is unset;")
    assert "service_account_email" in finding.message
    assert not finding.undetermined


def test_an_empty_service_account_is_reported() -> None:
    (finding,) = evaluate(push_config={"push_endpoint": ENDPOINT, "oidc_token": {"service_account_email": ""}})
    assert "is unset" in finding.message


def test_an_unknown_push_config_is_undetermined_never_passed() -> None:
    (finding,) = push_oidc.RULE.evaluate(t.SUBSCRIPTION, {"pushConfig": UNKNOWN}, ResourceOptions())
    assert finding.undetermined
    (account,) = push_oidc.RULE.evaluate(
        t.SUBSCRIPTION, {"pushConfig": {"oidcToken": {"serviceAccountEmail": UNKNOWN}}}, ResourceOptions()
    )
    assert account.undetermined
