"""Tables are CMEK-encrypted, by their own key or by their dataset's default key.

A stack rule: a table inherits its dataset's default key, so the dataset (matched by datasetId in the
same snapshot) has to be looked at too.
"""

from collections.abc import Sequence

from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import DATASET, TABLE
from policies.values import MISSING, is_unknown, lookup

FIX = (
    'set encryption_configuration={"kms_key_name": <crypto key id>} on the table, or '
    "default_encryption_configuration on its dataset"
)


def _has_key(value: object) -> bool | None:
    if is_unknown(value):
        return None
    return value is not MISSING and value != ""


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    dataset_keys: dict[object, bool | None] = {}
    for resource in resources:
        if resource.type == DATASET:
            dataset_id = lookup(resource.inputs, "datasetId")
            dataset_keys[dataset_id] = _has_key(lookup(resource.inputs, "defaultEncryptionConfiguration.kmsKeyName"))
    findings = []
    for resource in resources:
        if resource.type != TABLE:
            continue
        own = _has_key(lookup(resource.inputs, "encryptionConfiguration.kmsKeyName"))
        if own:
            continue
        dataset_id = lookup(resource.inputs, "datasetId")
        inherited = dataset_keys.get(dataset_id, False) if not is_unknown(dataset_id) else None
        if inherited:
            continue
        if own is None or inherited is None:
            findings.append(
                Finding(
                    f"the table's key or its dataset's default key is unknown offline; {FIX}",
                    urn=resource.urn,
                    undetermined=True,
                )
            )
        else:
            findings.append(
                Finding(
                    f"table {resource.name} has no customer-managed key and its dataset "
                    f"({dataset_id}) sets no default key; {FIX}",
                    urn=resource.urn,
                )
            )
    return findings


RULE = StackRule(
    id="bigquery-table-cmek",
    description="BigQuery tables are encrypted with a customer-managed key (their own or the dataset default).",
    service="bigquery",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_80",
    references=("CIS GCP 7.2",),
    check_stack=check_stack,
)
