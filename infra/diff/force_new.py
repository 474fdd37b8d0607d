"""Properties whose change makes the provider replace the resource (the engine's Diff would say "replace").

Offline there is no provider to ask, so this is a maintained table for the resource types the platform uses,
taken from the Terraform google provider schema (`ForceNew` fields; pulumi-gcp is generated from it). A change
under any listed path is a replace; `replaceOnChanges` on the resource adds to it. Types not listed here only
replace through `replaceOnChanges`. Keep it in step with pulumi-gcp upgrades (the version is pinned).
"""

from __future__ import annotations

FORCE_NEW: dict[str, tuple[str, ...]] = {
    "gcp:organizations/project:Project": ("projectId",),
    "gcp:projects/service:Service": ("project", "service"),
    "gcp:projects/serviceIdentity:ServiceIdentity": ("project", "service"),
    "gcp:projects/iAMMember:IAMMember": ("project", "role", "member", "condition"),
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": ("project", "service"),
    "gcp:serviceaccount/account:Account": ("project", "accountId"),
    "gcp:serviceaccount/iAMMember:IAMMember": ("serviceAccountId", "role", "member", "condition"),
    "gcp:kms/keyRing:KeyRing": ("project", "name", "location"),
    "gcp:kms/cryptoKey:CryptoKey": ("name", "keyRing", "purpose", "importOnly", "skipInitialVersionCreation"),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ("cryptoKeyId", "role", "member", "condition"),
    "gcp:storage/bucket:Bucket": ("project", "name", "location", "customPlacementConfig", "hierarchicalNamespace"),
    "gcp:storage/bucketIAMMember:BucketIAMMember": ("bucket", "role", "member", "condition"),
    "gcp:bigquery/dataset:Dataset": ("project", "datasetId", "location"),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": ("project", "datasetId", "role", "member", "condition"),
    "gcp:bigquery/table:Table": (
        "project", "datasetId", "tableId", "timePartitioning.type", "timePartitioning.field", "rangePartitioning",
    ),
    "gcp:pubsub/topic:Topic": ("project", "name"),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": ("project", "topic", "role", "member", "condition"),
    "gcp:pubsub/subscription:Subscription": ("project", "name", "topic", "filter", "enableMessageOrdering"),
    "gcp:artifactregistry/repository:Repository": (
        "project", "location", "repositoryId", "format", "mode", "kmsKeyName",
    ),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (
        "project", "location", "repository", "role", "member", "condition",
    ),
    "gcp:vertex/aiEndpoint:AiEndpoint": (
        "project", "name", "location", "region", "encryptionSpec", "network", "privateServiceConnectConfig",
        "dedicatedEndpointEnabled",
    ),
    "gcp:vertex/aiMetadataStore:AiMetadataStore": ("project", "name", "region", "encryptionSpec", "description"),
    "gcp:vertex/aiTensorboard:AiTensorboard": ("project", "region", "encryptionSpec"),
    "gcp:secretmanager/secret:Secret": ("project", "secretId", "replication"),
    "gcp:secretmanager/secretVersion:SecretVersion": ("secret", "secretData"),
    "gcp:monitoring/notificationChannel:NotificationChannel": ("project",),
    "gcp:monitoring/alertPolicy:AlertPolicy": ("project",),
    "gcp:monitoring/dashboard:Dashboard": ("project",),
    "gcp:logging/metric:Metric": ("project",),
    "gcp:projects/iAMCustomRole:IAMCustomRole": ("project", "roleId"),
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": (
        "project", "location", "endpoint", "role", "member", "condition",
    ),
    "gcp:cloudrunv2/service:Service": ("project", "name", "location"),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": ("project", "location", "name", "role", "member", "condition"),
}


def force_new_paths(resource_type: str) -> tuple[str, ...]:
    return FORCE_NEW.get(resource_type, ())
