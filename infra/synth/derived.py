"""Outputs Google Cloud derives from a resource's own inputs, answered offline like a refresh would see them.

A create-preview leaves every output unknown. For the resources below the provider computes id, e-mail or
member from the inputs alone, so the offline synth fills them in: policy rules and reviewers then see real
service-account members and key ids instead of "[unknown]" (and a key that is not set stays visibly unset).
Anything that depends on the server (timestamps, etags, generated numbers) stays unknown. The one exception
is a created project's `number`, which gets the same documented stand-in as the `getProject` data source
(`fake_project_number`), so service-agent members are consistent within a snapshot.

| type | outputs |
|---|---|
| `gcp:serviceaccount/account:Account` | `email`, `member`, `name`, id `projects/<p>/serviceAccounts/<email>` |
| `gcp:kms/keyRing:KeyRing` | id `projects/<p>/locations/<l>/keyRings/<name>` |
| `gcp:kms/cryptoKey:CryptoKey` | id `<keyRing>/cryptoKeys/<name>` |
| `gcp:pubsub/topic:Topic` | id `projects/<p>/topics/<name>` |
| `gcp:pubsub/subscription:Subscription` | id `projects/<p>/subscriptions/<name>` |
| `gcp:storage/bucket:Bucket` | id `<name>`, `url` `gs://<name>` |
| `gcp:bigquery/dataset:Dataset` | id `projects/<p>/datasets/<datasetId>` |
| `gcp:bigquery/table:Table` | id `projects/<p>/datasets/<d>/tables/<tableId>` |
| `gcp:artifactregistry/repository:Repository` | id `projects/<p>/locations/<l>/repositories/<repositoryId>`, `name` |
| `gcp:vertex/aiEndpoint:AiEndpoint` | id `projects/<p>/locations/<l>/endpoints/<name>` |
| `gcp:organizations/project:Project` | id `projects/<projectId>`, `number` (stand-in, see above) |
| `gcp:projects/service:Service` | id `<project>/<service>` (an enabled API) |
| `gcp:projects/serviceIdentity:ServiceIdentity` | `email`, `member` of the API's agent (project number: stand-in) |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from infra.service_agents import AGENT_DOMAINS, agent_email
from infra.synth.invokes import fake_project_number

Derivation = Callable[[Mapping[str, Any], str], tuple[str, dict[str, Any]] | None]


def _text(inputs: Mapping[str, Any], *keys: str) -> list[str] | None:
    """The named inputs as strings, or None when any is missing or not a plain string (e.g. unknown)."""
    values = [inputs.get(k) for k in keys]
    return [v for v in values if isinstance(v, str) and v] if all(isinstance(v, str) and v for v in values) else None


def _account(inputs: Mapping[str, Any], project: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "accountId")
    if not found:
        return None
    owner = inputs.get("project") if isinstance(inputs.get("project"), str) else project
    email = f"{found[0]}@{owner}.iam.gserviceaccount.com"
    name = f"projects/{owner}/serviceAccounts/{email}"
    return name, {"email": email, "member": f"serviceAccount:{email}", "name": name}


def _project_scoped(path: str, *keys: str) -> Derivation:
    """id = `projects/<project>/` + path formatted with the given inputs (in order)."""

    def derive(inputs: Mapping[str, Any], project: str) -> tuple[str, dict[str, Any]] | None:
        found = _text(inputs, *keys)
        owner = inputs.get("project") if isinstance(inputs.get("project"), str) else project
        if not found or not owner:
            return None
        return f"projects/{owner}/" + path.format(*found), {}

    return derive


def _crypto_key(inputs: Mapping[str, Any], _project_id: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "keyRing", "name")
    return (f"{found[0]}/cryptoKeys/{found[1]}", {}) if found else None


def _bucket(inputs: Mapping[str, Any], _project_id: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "name")
    return (found[0], {"url": f"gs://{found[0]}"}) if found else None


def _repository(inputs: Mapping[str, Any], project: str) -> tuple[str, dict[str, Any]] | None:
    derived = _project_scoped("locations/{}/repositories/{}", "location", "repositoryId")(inputs, project)
    return (derived[0], {"name": inputs["repositoryId"]}) if derived else None


def _project(inputs: Mapping[str, Any], _project_id: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "projectId")
    return (f"projects/{found[0]}", {"number": fake_project_number(found[0])}) if found else None


def _service_identity(inputs: Mapping[str, Any], project: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "service")
    owner = inputs.get("project") if isinstance(inputs.get("project"), str) else project
    if not found or not owner or found[0] not in AGENT_DOMAINS:
        return None
    email = agent_email(found[0], fake_project_number(owner))
    return f"projects/{owner}/services/{found[0]}", {"email": email, "member": f"serviceAccount:{email}"}


def _enabled_api(inputs: Mapping[str, Any], project: str) -> tuple[str, dict[str, Any]] | None:
    found = _text(inputs, "service")
    owner = inputs.get("project") if isinstance(inputs.get("project"), str) else project
    return (f"{owner}/{found[0]}", {}) if found and owner else None


DERIVATIONS: dict[str, Derivation] = {
    "gcp:serviceaccount/account:Account": _account,
    "gcp:kms/keyRing:KeyRing": _project_scoped("locations/{}/keyRings/{}", "location", "name"),
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:pubsub/topic:Topic": _project_scoped("topics/{}", "name"),
    "gcp:pubsub/subscription:Subscription": _project_scoped("subscriptions/{}", "name"),
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:bigquery/dataset:Dataset": _project_scoped("datasets/{}", "datasetId"),
    "gcp:bigquery/table:Table": _project_scoped("datasets/{}/tables/{}", "datasetId", "tableId"),
    "gcp:artifactregistry/repository:Repository": _repository,
    "gcp:vertex/aiEndpoint:AiEndpoint": _project_scoped("locations/{}/endpoints/{}", "location", "name"),
    "gcp:organizations/project:Project": _project,
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "gcp:projects/service:Service": _enabled_api,
}


def derive_outputs(type_: str, inputs: Mapping[str, Any], default_project: str) -> tuple[str, dict[str, Any]]:
    """(id, outputs) for a registration: the inputs echoed plus whatever GCP derives from them; id "" = unknown."""
    derivation = DERIVATIONS.get(type_)
    derived = derivation(inputs, default_project) if derivation else None
    if derived is None:
        return "", dict(inputs)
    resource_id, extra = derived
    return resource_id, {**inputs, **extra}
