"""Deterministic answers for the data sources (invokes) a program may call offline.

Offline there is no cloud to ask, so each data source the platform uses gets a documented, stable answer
derived only from its arguments and the stack's `gcp:` config. Anything not in the table answers `{}` (every
field unset) and is reported in `SynthResult.unmocked_invokes`, so a new data source is noticed, not guessed.

- `gcp:organizations/getProject:getProject`: `projectId` (argument, else `gcp:project`), `number` =
  `fake_project_number(projectId)` (12 digits from sha256), `name`, `id=projects/<id>`.
- `gcp:organizations/getClientConfig:getClientConfig`: `project`, `region`, `zone` from the `gcp:` config.
- `gcp:storage/getProjectServiceAccount:getProjectServiceAccount`:
  `service-<number>@gs-project-accounts.iam.gserviceaccount.com`.
- `gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount`:
  `bq-<number>@bigquery-encryption.iam.gserviceaccount.com`.
- `gcp:compute/getDefaultServiceAccount:getDefaultServiceAccount`: `<number>-compute@developer.gserviceaccount.com`.
- `gcp:organizations/getIAMPolicy:getIAMPolicy`: `policyData`, the bindings as canonical JSON (the provider
  computes it locally too).
- `gcp:kms/getKMSKeyRing:getKMSKeyRing`: `id=projects/<p>/locations/<l>/keyRings/<name>`.
- `gcp:kms/getKMSCryptoKey:getKMSCryptoKey`: `id=<keyRing>/cryptoKeys/<name>`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any


def fake_project_number(project_id: str) -> str:
    """A stable 12-digit project number for `project_id` (sha256, so equal ids give equal numbers)."""
    digest = int(hashlib.sha256(project_id.encode("utf-8")).hexdigest(), 16)
    return str(100_000_000_000 + digest % 900_000_000_000)


def _project(args: Mapping[str, Any], gcp: Mapping[str, str]) -> str:
    return str(args.get("project") or args.get("projectId") or gcp.get("project") or "offline-project")


def _get_project(args: Mapping[str, Any], gcp: Mapping[str, str]) -> dict[str, Any]:
    pid = _project(args, gcp)
    return {"projectId": pid, "number": fake_project_number(pid), "name": pid, "id": f"projects/{pid}"}


def _client_config(args: Mapping[str, Any], gcp: Mapping[str, str]) -> dict[str, Any]:
    pid = _project(args, gcp)
    return {
        "project": pid,
        "region": gcp.get("region", ""),
        "zone": gcp.get("zone", ""),
        "id": f"projects/{pid}/regions/{gcp.get('region', '')}/zones/{gcp.get('zone', '')}",
    }


def _service_account(template: str) -> Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]:
    def answer(args: Mapping[str, Any], gcp: Mapping[str, str]) -> dict[str, Any]:
        pid = _project(args, gcp)
        email = template.format(number=fake_project_number(pid), project=pid)
        return {"project": pid, "email": email, "emailAddress": email, "member": f"serviceAccount:{email}",
                "id": email, "name": f"projects/{pid}/serviceAccounts/{email}"}

    return answer


def _iam_policy(args: Mapping[str, Any], _gcp: Mapping[str, str]) -> dict[str, Any]:
    bindings = [
        {"role": b.get("role"), "members": sorted(b.get("members") or [])}
        for b in sorted(args.get("bindings") or [], key=lambda b: str(b.get("role")))
    ]
    policy = json.dumps({"bindings": bindings}, sort_keys=True, separators=(",", ":"))
    return {"policyData": policy, "id": hashlib.sha256(policy.encode()).hexdigest()[:16]}


def _key_ring(args: Mapping[str, Any], gcp: Mapping[str, str]) -> dict[str, Any]:
    pid = _project(args, gcp)
    ring_id = f"projects/{pid}/locations/{args.get('location', '')}/keyRings/{args.get('name', '')}"
    return {"id": ring_id, "name": args.get("name", ""), "location": args.get("location", ""), "project": pid}


def _crypto_key(args: Mapping[str, Any], _gcp: Mapping[str, str]) -> dict[str, Any]:
    key_id = f"{args.get('keyRing', '')}/cryptoKeys/{args.get('name', '')}"
    return {"id": key_id, "name": args.get("name", ""), "keyRing": args.get("keyRing", "")}


INVOKE_TABLE: dict[str, Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]] = {
    "gcp:organizations/getProject:getProject": _get_project,
    "gcp:organizations/getClientConfig:getClientConfig": _client_config,
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": _service_account(
        "service-{number}@gs-project-accounts.iam.gserviceaccount.com"
    ),
    "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount": _service_account(
        "bq-{number}@bigquery-encryption.iam.gserviceaccount.com"
    ),
    "gcp:compute/getDefaultServiceAccount:getDefaultServiceAccount": _service_account(
        "{number}-compute@developer.gserviceaccount.com"
    ),
    "gcp:organizations/getIAMPolicy:getIAMPolicy": _iam_policy,
    "gcp:kms/getKMSKeyRing:getKMSKeyRing": _key_ring,
    "gcp:kms/getKMSCryptoKey:getKMSCryptoKey": _crypto_key,
}


def answer_invoke(token: str, args: Mapping[str, Any], gcp_config: Mapping[str, str]) -> dict[str, Any] | None:
    """The table's answer for `token`, or None when the data source is not in the table."""
    handler = INVOKE_TABLE.get(token)
    return handler(args, gcp_config) if handler else None
