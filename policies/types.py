"""pulumi-gcp 10.2.0 type tokens the rules look at (checked against the installed package by a test)."""

from __future__ import annotations

from typing import Final

BUCKET: Final = "gcp:storage/bucket:Bucket"
BUCKET_ACCESS_CONTROL: Final = "gcp:storage/bucketAccessControl:BucketAccessControl"
BUCKET_ACL: Final = "gcp:storage/bucketACL:BucketACL"
DEFAULT_OBJECT_ACCESS_CONTROL: Final = "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl"
OBJECT_ACCESS_CONTROL: Final = "gcp:storage/objectAccessControl:ObjectAccessControl"
DATASET: Final = "gcp:bigquery/dataset:Dataset"
DATASET_ACCESS: Final = "gcp:bigquery/datasetAccess:DatasetAccess"
TABLE: Final = "gcp:bigquery/table:Table"
TOPIC: Final = "gcp:pubsub/topic:Topic"
SUBSCRIPTION: Final = "gcp:pubsub/subscription:Subscription"
REPOSITORY: Final = "gcp:artifactregistry/repository:Repository"
CRYPTO_KEY: Final = "gcp:kms/cryptoKey:CryptoKey"
KEY_RING: Final = "gcp:kms/keyRing:KeyRing"
PROJECT: Final = "gcp:organizations/project:Project"
AUDIT_CONFIG: Final = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
SERVICE_ACCOUNT_KEY: Final = "gcp:serviceaccount/key:Key"
ENDPOINT: Final = "gcp:vertex/aiEndpoint:AiEndpoint"
INDEX_ENDPOINT: Final = "gcp:vertex/aiIndexEndpoint:AiIndexEndpoint"
VERTEX_DATASET: Final = "gcp:vertex/aiDataset:AiDataset"
METADATA_STORE: Final = "gcp:vertex/aiMetadataStore:AiMetadataStore"
TENSORBOARD: Final = "gcp:vertex/aiTensorboard:AiTensorboard"
FEATURE_STORE: Final = "gcp:vertex/aiFeatureStore:AiFeatureStore"
FEATURE_ONLINE_STORE: Final = "gcp:vertex/aiFeatureOnlineStore:AiFeatureOnlineStore"
ALERT_POLICY: Final = "gcp:monitoring/alertPolicy:AlertPolicy"
WORKBENCH_INSTANCE: Final = "gcp:workbench/instance:Instance"
RUN_SERVICE: Final = "gcp:cloudrunv2/service:Service"
RUN_JOB: Final = "gcp:cloudrunv2/job:Job"
RUN_V1_SERVICE: Final = "gcp:cloudrun/service:Service"
FUNCTION_V2: Final = "gcp:cloudfunctionsv2/function:Function"
FUNCTION_V1: Final = "gcp:cloudfunctions/function:Function"
EVENTARC_TRIGGER: Final = "gcp:eventarc/trigger:Trigger"
EVENTARC_CHANNEL: Final = "gcp:eventarc/channel:Channel"
EVENTARC_GOOGLE_CHANNEL_CONFIG: Final = "gcp:eventarc/googleChannelConfig:GoogleChannelConfig"
WIF_PROVIDER: Final = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
PROJECT_CUSTOM_ROLE: Final = "gcp:projects/iAMCustomRole:IAMCustomRole"
ORGANIZATION_CUSTOM_ROLE: Final = "gcp:organizations/iAMCustomRole:IAMCustomRole"
SECRET: Final = "gcp:secretmanager/secret:Secret"
REGIONAL_SECRET: Final = "gcp:secretmanager/regionalSecret:RegionalSecret"
FIREWALL: Final = "gcp:compute/firewall:Firewall"
INSTANCE: Final = "gcp:compute/instance:Instance"
INSTANCE_TEMPLATE: Final = "gcp:compute/instanceTemplate:InstanceTemplate"
SQL_INSTANCE: Final = "gcp:sql/databaseInstance:DatabaseInstance"
DATAFLOW_JOB: Final = "gcp:dataflow/job:Job"
DATAFLOW_FLEX_TEMPLATE_JOB: Final = "gcp:dataflow/flexTemplateJob:FlexTemplateJob"
DATAPROC_CLUSTER: Final = "gcp:dataproc/cluster:Cluster"

STATEFUL: Final = frozenset(
    {
        BUCKET,
        DATASET,
        TABLE,
        TOPIC,
        SUBSCRIPTION,
        REPOSITORY,
        PROJECT,
        VERTEX_DATASET,
        METADATA_STORE,
        TENSORBOARD,
        FEATURE_STORE,
        FEATURE_ONLINE_STORE,
    }
)
"""Types whose deletion loses data: protected in prod. Crypto keys have their own rule (kms-key-protected);
key rings cannot be deleted in Cloud KMS at all."""

LABELLED: Final = frozenset(
    {
        BUCKET,
        DATASET,
        TABLE,
        TOPIC,
        SUBSCRIPTION,
        REPOSITORY,
        CRYPTO_KEY,
        PROJECT,
        ENDPOINT,
        INDEX_ENDPOINT,
        VERTEX_DATASET,
        TENSORBOARD,
        FEATURE_STORE,
        FEATURE_ONLINE_STORE,
    }
)
"""Types with a `labels` argument (AlertPolicy's is `userLabels` and is not required here)."""
