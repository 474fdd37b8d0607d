"""Every type token a rule names exists in the installed pulumi-gcp (10.2.0), spelled exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_gcp

from policies import iam
from policies import types as t


def _installed_tokens() -> set[str]:
    root = Path(pulumi_gcp.__file__).parent
    pattern = re.compile(r"'(gcp:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)'")
    return {m for f in root.glob("*/*.py") for m in pattern.findall(f.read_text(encoding="utf-8"))}


def test_rule_type_tokens_exist_in_pulumi_gcp() -> None:
    tokens = {v for k, v in vars(t).items() if k.isupper() and isinstance(v, str)}
    tokens |= t.STATEFUL | t.LABELLED
    tokens |= iam.PROJECT_IAM | iam.BUCKET_IAM | iam.DATASET_IAM | iam.TABLE_IAM | iam.PUBSUB_IAM
    tokens |= iam.ARTIFACT_REGISTRY_IAM | iam.KMS_IAM | iam.SERVICE_ACCOUNT_IAM | iam.RUN_IAM | iam.SECRET_MANAGER_IAM
    assert tokens - _installed_tokens() == set()


def test_iam_family_recognises_every_installed_iam_type() -> None:
    installed = {
        tok for tok in _installed_tokens() if re.search(r":[A-Za-z0-9]*(IAM|Iam)(Member|Binding|Policy)$", tok)
    }
    assert "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember" in installed
    assert all(iam.is_iam_type(tok) for tok in installed)
    assert not iam.is_iam_type("gcp:storage/bucket:Bucket")
