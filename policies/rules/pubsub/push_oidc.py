"""Push subscriptions authenticate to their endpoint with an OIDC token of a dedicated service account.

A push subscription without `oidcToken` posts messages unauthenticated, so its endpoint must accept anyone's
requests (an `allUsers` invoker): whoever finds the URL can inject messages (here: start tuning runs). With an
OIDC token the endpoint requires `roles/run.invoker` for exactly that account. No Checkov or Trivy GCP check
covers push authentication; it is Google's guidance for authenticating push to Cloud Run.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SUBSCRIPTION
from policies.values import MISSING, is_unknown, lookup, require_non_empty

FIX = (
    "set push_config.oidc_token.service_account_email to a service account that may only invoke the endpoint "
    "(and keep the endpoint's invokers to that account)"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    push = lookup(inputs, "pushConfig")
    if push is MISSING:
        return []  # a pull subscription: nothing is pushed
    if is_unknown(push):
        return [Finding(f"pushConfig is unknown until the resources it depends on exist; {FIX}", undetermined=True)]
    return require_non_empty(inputs, "pushConfig.oidcToken.serviceAccountEmail", FIX)


RULE = ResourceRule(
    id="pubsub-push-oidc",
    description=(
        "Pub/Sub push subscriptions send an OIDC token of a dedicated service account, so their endpoint "
        "never has to accept unauthenticated requests."
    ),
    service="pubsub",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    resource_types=frozenset({SUBSCRIPTION}),
    check=check,
)
