"""The typed model of one environment: what the stack files may say, with defaults and cross-field rules.

Shared defaults (`environments/defaults.yaml`) and the stack's overrides (`environments/Pulumi.<env>.yaml`,
key `genai-mlops:environment`) are merged before validation, so every field below is documented once.
Unknown keys are rejected (a typo never silently falls back to a default).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from contracts.tier import is_production
from infra.config import rules


def rule_validator(rule: Callable[[str], str | None]) -> AfterValidator:
    """Adapt a rules.* checker (returns a message or None) into a pydantic AfterValidator."""

    def validate(value: str) -> str:
        message = rule(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


ProjectId = Annotated[str, rule_validator(rules.project_id)]
Region = Annotated[str, rule_validator(rules.region)]
DataLocation = Annotated[str, rule_validator(rules.data_location)]
BucketName = Annotated[str, rule_validator(rules.bucket_name)]
DatasetId = Annotated[str, rule_validator(lambda v: rules.bigquery_id(v, "dataset"))]
TableId = Annotated[str, rule_validator(lambda v: rules.bigquery_id(v, "table"))]
PubSubName = Annotated[str, rule_validator(rules.pubsub_name)]
Email = Annotated[str, rule_validator(rules.email)]
BillingAccount = Annotated[str, rule_validator(rules.billing_account)]
FolderId = Annotated[str, rule_validator(lambda v: rules.numeric_id(v, "folder"))]
OrgId = Annotated[str, rule_validator(lambda v: rules.numeric_id(v, "organization"))]
Segment = Annotated[str, rule_validator(lambda v: rules.resource_segment(v, "name"))]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    problems = [m for k, v in labels.items() for m in (rules.label_key(k), rules.label_value(v)) if m]
    if len(labels) > 64:
        problems.append(f"{len(labels)} labels given; GCP allows at most 64 per resource")
    if problems:
        raise ValueError("; ".join(problems))
    return labels


Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are immutable once loaded, and types are
    strict (a quoted `"3"` is text, not a number; `"yes"` is not a boolean), so nothing is coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class ProjectConfig(Strict):
    """The environment's GCP project: created under a folder or organization, or adopted as it exists."""

    id: ProjectId
    mode: Literal["create", "adopt"] = "adopt"
    """`create`: the platform creates the project (needs folder_id or org_id, and billing_account);
    `adopt`: the project exists and is only configured (default)."""
    name: str | None = None
    """Display name when creating; defaults to the project id."""
    folder_id: FolderId | None = None
    org_id: OrgId | None = None
    billing_account: BillingAccount | None = None
    extra_services: list[str] = Field(default_factory=list)
    """APIs to enable beyond those the platform needs (e.g. 'translate.googleapis.com')."""

    @model_validator(mode="after")
    def _creation_needs_parent_and_billing(self) -> ProjectConfig:
        if self.mode == "create":
            if bool(self.folder_id) == bool(self.org_id):
                raise ValueError("mode 'create' needs exactly one of folder_id or org_id")
            if not self.billing_account:
                raise ValueError("mode 'create' needs billing_account (form 012345-6789AB-CDEF01)")
        elif self.folder_id or self.org_id or self.billing_account:
            raise ValueError(
                "folder_id / org_id / billing_account are only used with mode 'create'; "
                "remove them or set mode: create"
            )
        return self


class ProtectionConfig(Strict):
    """How hard stateful resources (buckets, datasets, tables, keys, topics) are to lose."""

    protect_stateful: bool = False
    """Pulumi `protect` on stateful resources: `pulumi destroy` refuses until it is lifted. Default off."""
    deletion_protection: bool = False
    """Provider-side deletion protection on BigQuery tables and the project. Default off."""
    force_destroy: bool = True
    """Allow deleting non-empty buckets/datasets on teardown (dev convenience). Default on; prod must turn it off."""


class EncryptionConfig(Strict):
    """Customer-managed encryption keys (CMEK) for data at rest."""

    cmek: bool = False
    """Create a key ring and keys and encrypt buckets, datasets, topics, registries and endpoints. Default off."""
    rotation_days: int = Field(default=90, ge=1, le=90)
    """Key rotation period in days; at most 90 (CIS GCP 1.10)."""


class LifecycleConfig(Strict):
    """Object lifecycle of the data buckets."""

    nearline_after_days: int | None = Field(default=30, ge=1)
    """Move objects to NEARLINE after this many days; null keeps them STANDARD."""
    delete_after_days: int | None = Field(default=None, ge=1)
    """Delete objects after this many days; null keeps them (default)."""
    noncurrent_versions_kept: int = Field(default=3, ge=1, le=100)
    """Noncurrent object versions kept before older ones are deleted."""


BucketPurpose = Literal["pipeline_root", "datasets", "model_artifacts"]


def _retained_by_default() -> list[BucketPurpose]:
    return ["datasets", "model_artifacts"]


class DataConfig(Strict):
    """Buckets and BigQuery datasets of the environment."""

    location: DataLocation = "EU"
    """Location of buckets and datasets: a multi-region (EU, US, ASIA) or a region."""
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    """Bucket retention policy (objects cannot be deleted or replaced before) on `retention_buckets`; null for
    none (default). Cloud Storage refuses versioning beside a retention policy, so those buckets are unversioned."""
    retention_buckets: list[BucketPurpose] = Field(default_factory=_retained_by_default)
    """Buckets that get the retention policy: by default the training data and the model artifacts (what a
    release and an audit need), not the pipeline root (scratch space, versioned instead)."""
    bucket_names: dict[BucketPurpose, BucketName] = Field(
        default_factory=dict
    )
    """Override the default bucket names (`<project id>-<purpose>`), e.g. when a name is taken."""
    dataset_prefix: DatasetId | None = None
    """Prefix of BigQuery dataset ids; default `<app>_<env>` with hyphens as underscores."""
    table_expiration_days: int | None = Field(default=None, ge=1)
    """Default table expiration of every dataset; null keeps tables (default)."""
    partition_expiration_days: int | None = Field(default=None, ge=1)
    """Partition expiration of the partitioned log tables; null keeps partitions (default)."""


class MessagingConfig(Strict):
    """Pub/Sub topics, subscriptions and their dead letters."""

    topic_prefix: PubSubName | None = None
    """Prefix of topic and subscription names; default `<app>-<env>`."""
    message_retention_days: int = Field(default=7, ge=1, le=31)
    ack_deadline_seconds: int = Field(default=60, ge=10, le=600)
    max_delivery_attempts: int = Field(default=5, ge=5, le=100)
    """Deliveries before a message moves to the dead-letter topic (Pub/Sub allows 5-100)."""
    min_backoff_seconds: int = Field(default=10, ge=0, le=600)
    max_backoff_seconds: int = Field(default=600, ge=0, le=600)

    @model_validator(mode="after")
    def _backoff_order(self) -> MessagingConfig:
        if self.min_backoff_seconds > self.max_backoff_seconds:
            raise ValueError(
                f"min_backoff_seconds ({self.min_backoff_seconds}) must not exceed "
                f"max_backoff_seconds ({self.max_backoff_seconds})"
            )
        return self


class AlertThresholds(Strict):
    """When the on-call is paged. Each may be overridden per served model."""

    latency_p99_ms: float = Field(default=5000, gt=0, le=600_000)
    """p99 online prediction latency above which the latency alert fires (milliseconds)."""
    error_ratio: Fraction = 0.02
    """Share of 5xx responses above which the error alert fires (0-1)."""
    oldest_unacked_seconds: int = Field(default=900, ge=60, le=604_800)
    """Age of the oldest unacknowledged message above which the backlog alert fires."""
    dead_letter_messages: int = Field(default=0, ge=0)
    """Dead-lettered messages tolerated in the window before alerting (0: any dead letter alerts)."""
    failed_pipeline_runs: int = Field(default=0, ge=0)
    """Failed pipeline runs tolerated in the window before alerting."""
    duration_seconds: int = Field(default=300, ge=0, le=86_400)
    """How long a condition must hold before the alert fires."""


class ServedModel(Strict):
    """A model the environment serves behind its own Vertex AI endpoint."""

    name: Segment
    """Short name; the endpoint is `<app>-<env>-<name>`."""
    description: str = ""
    min_replicas: int = Field(default=1, ge=1, le=rules.VERTEX_MAX_REPLICAS)
    max_replicas: int = Field(default=1, ge=1, le=rules.VERTEX_MAX_REPLICAS)
    machine_type: str = "n1-standard-4"
    logging_sampling_rate: Fraction = 1.0
    """Share of requests/responses logged to the prediction-logs dataset."""
    private_service_connect: bool = False
    """Serve through Private Service Connect only (no public endpoint)."""
    psc_allowed_projects: list[ProjectId] = Field(default_factory=list)
    """Projects allowed to connect when private_service_connect is on; default the environment's project."""
    alerts: AlertThresholds | None = None
    """Per-model thresholds; default the environment's `observability.thresholds`."""

    @model_validator(mode="after")
    def _replicas_ordered(self) -> ServedModel:
        if self.min_replicas > self.max_replicas:
            raise ValueError(
                f"min_replicas ({self.min_replicas}) must be <= max_replicas ({self.max_replicas})"
            )
        if self.psc_allowed_projects and not self.private_service_connect:
            raise ValueError(
                "psc_allowed_projects is set but private_service_connect is false; enable it or remove the list"
            )
        return self


GatewayStage = Literal["previous", "rules", "canned"]
GatewayIngress = Literal["internal", "internal_and_load_balancer"]


def _invoker_member(value: str) -> str | None:
    """Who may call the gateway: a service account or a group, never a user or allUsers."""
    kind, _, address = value.partition(":")
    if kind in ("serviceAccount", "group") and rules.email(address) is None:
        return None
    return (
        f"found {value!r}; expected serviceAccount:NAME@PROJECT.iam.gserviceaccount.com or group:NAME@DOMAIN "
        "(a public gateway is allow_unauthenticated: true)"
    )


InvokerMember = Annotated[str, rule_validator(_invoker_member)]


GatewayEgress = Literal["private_ranges_only", "all_traffic"]
NETWORK_PATTERN = r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/networks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
SUBNETWORK_PATTERN = (
    r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/regions/[a-z]+-[a-z]+[0-9]+/subnetworks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
)
ATTACHMENT_PATTERN = r"^projects/[a-z0-9-]+/regions/[a-z]+-[a-z]+[0-9]+/serviceAttachments/[a-z0-9-]+$"
IPV4_PATTERN = r"^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$"


class GatewayNetwork(Strict):
    """The adopted VPC the gateway reaches a Private Service Connect endpoint through (never created here).

    The platform attaches the gateway to the subnetwork (Direct VPC egress) and reserves the endpoint's
    consumer address there; the network's owners keep the network, subnetwork, firewall and routes."""

    network: Annotated[str, Field(pattern=NETWORK_PATTERN)]
    """The VPC, `projects/PROJECT/global/networks/NAME` (PROJECT is the Shared VPC host when there is one)."""
    subnetwork: Annotated[str, Field(pattern=SUBNETWORK_PATTERN)]
    """A subnetwork of that VPC in the environment's region, `projects/PROJECT/regions/REGION/subnetworks/NAME`:
    the gateway's instances take their addresses from it, and so does the endpoint's consumer address."""
    egress: GatewayEgress = "private_ranges_only"
    """What leaves through the VPC: `private_ranges_only` (RFC 1918 ranges, e.g. the endpoint's address; Google
    APIs and the metadata server as usual, default) or `all_traffic` (everything, e.g. under VPC Service
    Controls or a firewall that audits egress)."""
    psc_address: Annotated[str, Field(pattern=IPV4_PATTERN)] | None = None
    """The internal IPv4 address the endpoint is reached at, inside the subnetwork's primary range; default
    one the subnetwork allocates (fixed once reserved)."""
    service_attachment: Annotated[str, Field(pattern=ATTACHMENT_PATTERN)] | None = None
    """The endpoint's service attachment, `projects/P/regions/R/serviceAttachments/N`, which Vertex AI creates
    at the endpoint's first deployment (`gcloud ai endpoints describe ID --region R` shows it). Until it is
    set, the address is reserved but no forwarding rule targets the endpoint, so the gateway answers from its
    fallbacks only (the preview says so)."""

    @model_validator(mode="after")
    def _one_project(self) -> GatewayNetwork:
        network_project = self.network.split("/")[1]
        subnet_project = self.subnetwork.split("/")[1]
        if network_project != subnet_project:
            raise ValueError(
                f"subnetwork {self.subnetwork!r} is in project {subnet_project!r} but network {self.network!r} is "
                f"in {network_project!r}; name the subnetwork of that network (same host project)"
            )
        if self.psc_address is not None and not ipaddress.ip_address(self.psc_address).is_private:
            raise ValueError(
                f"psc_address {self.psc_address!r} is not an internal address; name one in the subnetwork's "
                "primary range (e.g. 10.0.0.10) or leave it out to have one allocated"
            )
        return self

    @property
    def region(self) -> str:
        """The subnetwork's region (where the gateway must run)."""
        return self.subnetwork.split("/")[3]


def _default_fallback() -> list[GatewayStage]:
    return ["previous", "rules", "canned"]


class BreakerConfig(Strict):
    """When the gateway stops calling a failing model, and for how long."""

    failures: int = Field(default=5, ge=1, le=1000)
    """Consecutive failed calls (timeouts, 429, 5xx, empty or malformed answers) that open the breaker."""
    cool_down_seconds: float = Field(default=30, gt=0, le=3600)
    """How long an open breaker skips the model before one trial call decides whether it closes."""


class GatewayConfig(Strict):
    """The serving gateway (`serving/`): one answer for every question, falling back when the model fails."""

    enabled: bool = True
    """Run a gateway in front of the endpoint, with its fallback metric, alert and dashboard tile. Default on."""
    model: Segment | None = None
    """The served model (`serving.models[*].name`) the gateway fronts; default the first one."""
    deadline_ms: int = Field(default=8000, ge=100, le=120_000)
    """Time budget of all model calls of one request; the fallbacks after it answer at once."""
    attempt_timeout_ms: int = Field(default=3000, ge=50, le=120_000)
    """Timeout of one `:predict` call (shortened to what is left of `deadline_ms`)."""
    retries: int = Field(default=1, ge=0, le=5)
    """Extra attempts per model stage after a 429, 5xx, timeout or dropped connection."""
    backoff_ms: int = Field(default=100, ge=0, le=10_000)
    """Pause before the first retry, doubled for each further one."""
    fallback: list[GatewayStage] = Field(default_factory=_default_fallback)
    """Stages after the model, in order: `previous` (the `<env>-previous` version while a canary runs, the
    current one otherwise), `rules` (the rules file), `canned` (a fixed message; must be last)."""
    rules_file: Annotated[str, Field(pattern=r"^[A-Za-z0-9_./-]+\.ya?ml$")] = "serving/rules/assistant.yaml"
    """Intent keywords -> answers, relative to the repository root, versioned with the release."""
    canned_answer: Annotated[str, Field(min_length=1, max_length=1000)] = (
        "Sorry, I cannot answer that right now. Please try again in a few minutes."
    )
    """What the gateway answers when every other stage failed."""
    breaker: BreakerConfig = Field(default_factory=BreakerConfig)
    """The circuit breaker in front of the model (both model stages while no canary runs)."""
    fallback_alert_share: Fraction = 0.05
    """Share of answers not from the model (previous, rules, canned) above which the fallback alert fires."""
    ingress: GatewayIngress = "internal"
    """Who can reach the Cloud Run service: `internal` (the VPC and the project's own services, default) or
    `internal_and_load_balancer` (also an external Application Load Balancer, e.g. with IAP). Never all."""
    invokers: list[InvokerMember] = Field(default_factory=list)
    """Identities granted roles/run.invoker (`serviceAccount:...` or `group:...`); default none, so only
    the project's owners can call it until an application's identity is listed."""
    allow_unauthenticated: bool = False
    """Grant roles/run.invoker to allUsers (an unauthenticated entry point). Default off; the policy pack
    refuses it in production-tier stacks."""
    min_instances: int = Field(default=0, ge=0, le=100)
    """Instances kept warm (no cold start on the first request); default 0 (scale to zero)."""
    max_instances: int = Field(default=10, ge=1, le=1000)
    """Upper bound on instances, which caps what a burst can spend on model calls; default 10."""
    network: GatewayNetwork | None = None
    """The VPC path to a Private Service Connect endpoint (Direct VPC egress + the endpoint's consumer address);
    required when the gateway's model serves through Private Service Connect only. Default none (the gateway
    calls the regional Vertex AI API)."""

    @model_validator(mode="after")
    def _chain_ends_with_canned(self) -> GatewayConfig:
        if len(set(self.fallback)) != len(self.fallback):
            raise ValueError(f"fallback stages must not repeat; found {self.fallback}")
        if not self.fallback or self.fallback[-1] != "canned":
            raise ValueError(
                f"fallback must end with 'canned' so every request gets an answer; found {self.fallback}"
            )
        if self.attempt_timeout_ms > self.deadline_ms:
            raise ValueError(
                f"attempt_timeout_ms ({self.attempt_timeout_ms}) must not exceed deadline_ms ({self.deadline_ms})"
            )
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances ({self.min_instances}) must be <= max_instances ({self.max_instances})"
            )
        return self


class ServingConfig(Strict):
    """Models served online, one Vertex AI endpoint each."""

    models: list[ServedModel] = Field(default_factory=list)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    """The gateway applications call instead of the endpoint."""

    @model_validator(mode="after")
    def _unique_names(self) -> ServingConfig:
        names = [m.name for m in self.models]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"served model names must be unique; repeated: {', '.join(dupes)}")
        gateway = self.gateway.model
        if gateway is not None and gateway not in names:
            raise ValueError(
                f"gateway.model {gateway!r} is not a served model; use one of: {', '.join(names) or '(none)'}"
            )
        return self

    @model_validator(mode="after")
    def _private_endpoint_has_a_path(self) -> ServingConfig:
        model = next((m for m in self.models if m.name == self.gateway_model), None)
        if model is not None and model.private_service_connect and self.gateway.network is None:
            raise ValueError(
                f"gateway.network is not set, but the gateway's model {model.name!r} serves through Private Service "
                "Connect only, which the gateway cannot reach without VPC egress; set gateway.network "
                "{network: projects/P/global/networks/N, subnetwork: projects/P/regions/R/subnetworks/S} "
                "or turn private_service_connect off"
            )
        if model is not None and not model.private_service_connect and self.gateway.network is not None:
            raise ValueError(
                f"gateway.network is set, but the gateway's model {model.name!r} has a public endpoint, which needs "
                "no VPC path (and has no service attachment to point one at); remove gateway.network or set "
                "private_service_connect: true on the model"
            )
        return self

    @property
    def gateway_model(self) -> str | None:
        """The served model behind the gateway: `gateway.model`, else the first served model."""
        if not self.gateway.enabled or not self.models:
            return None
        return self.gateway.model or self.models[0].name


class ObservabilityConfig(Strict):
    """Who is told when something deviates, and when."""

    notification_emails: list[Email] = Field(default_factory=list, min_length=1)
    """Who is paged; at least one address."""
    automation_channel: bool = True
    """Also notify a Pub/Sub topic so automation (retraining, rollback bots) can react."""
    thresholds: AlertThresholds = Field(default_factory=AlertThresholds)


class PipelinesConfig(Strict):
    """Where pipeline runs log and how long their metadata is kept."""

    tensorboard: bool = True
    """Create a Vertex AI TensorBoard that backs the environment's tuning experiment (each tuning run's
    parameters and metrics, `experiment_tensorboard` of the tuning pipeline); default true, since every
    environment runs the tuning pipeline. Set false to log runs to the experiment's metadata only."""


class MetricBound(Strict):
    """Bounds one evaluation metric must meet; each in [0, 1], either may be omitted."""

    min: Fraction | None = None
    """Lowest acceptable value (higher is better, e.g. groundedness). Default: no lower bound."""
    max: Fraction | None = None
    """Highest acceptable value (lower is better, e.g. toxicity). Default: no upper bound."""

    @model_validator(mode="after")
    def _ordered(self) -> MetricBound:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both (an empty bound checks nothing)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must be <= max ({self.max})")
        return self


GateMetric = Annotated[str, rule_validator(rules.evaluation_metric)]
"""A metric the evaluation pipeline reports (a typo would leave the intended bound unchecked)."""


def _default_evaluation_gates() -> dict[str, MetricBound]:
    # The same bounds as the evaluation pipeline's own quality gate (pipelines.lib.quality_gate.Thresholds).
    return {
        "groundedness": MetricBound(min=0.8),
        "toxicity": MetricBound(max=0.0),
        "relevance": MetricBound(min=0.5),
        "fluency": MetricBound(min=0.6),
    }


REPOSITORY_NAME = r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/repositories/[a-z][a-z0-9-]{0,62}$"


class ReleaseArtifacts(Strict):
    """The shared, protected place every environment reads release artifacts from (promotion carries the
    same URIs from dev to prod, so they cannot live in one environment's own project)."""

    bucket: BucketName
    """Bucket holding model artifacts (`gs://<bucket>/...`); the environment's Vertex AI service agent and
    serving account get read access on it."""
    images_repository: Annotated[str, Field(pattern=REPOSITORY_NAME)]
    """Docker repository of serving images, `projects/P/locations/L/repositories/R`; the same identities
    get `roles/artifactregistry.reader` on it."""

    @property
    def images_prefix(self) -> str:
        """`<location>-docker.pkg.dev/<project>/<repository>/`: how image references into it begin."""
        _, project, _, location, _, repository = self.images_repository.split("/")
        return f"{location}-docker.pkg.dev/{project}/{repository}/"


class ReleaseConfig(Strict):
    """What a release must prove before `mlops promote` moves it into this environment."""

    promote_from: Annotated[str, Field(pattern=rules.ENV_NAME.pattern)] | None = None
    """The only environment releases may come from (staging: dev, prod: staging). Default: any."""
    evaluation_gates: dict[GateMetric, MetricBound] = Field(default_factory=_default_evaluation_gates)
    """Metric bounds the release's evaluation must meet; a metric named here must be in the manifest.
    Default: groundedness >= 0.8, toxicity <= 0.0, relevance >= 0.5, fluency >= 0.6 (the values of
    `environments/defaults.yaml`, over which a stack file's bounds merge metric by metric)."""
    require_approval: bool | None = None
    """Promotion needs `--approve-by NAME` (recorded in the manifest). Default: true for tier production."""
    canary_percent: int = Field(default=0, ge=0, le=50)
    """Traffic share the new model version starts with while the previous version keeps the rest, until
    `mlops canary finish` or `mlops canary abort` (10 gives a 10/90 canary); 0 (default) moves all traffic at
    once."""
    artifacts: ReleaseArtifacts | None = None
    """Where release artifacts and images live; when set, the environment is granted read access there and a
    manifest's model artifacts and images must come from it. Default: unchecked, no grants."""


class InputDriftBounds(Strict):
    """Bounds of the evaluation pipeline's input drift metrics (its `DriftBounds`, same names and defaults)."""

    max_length_psi: float = Field(default=0.25, ge=0.0)
    """Population Stability Index of prompt lengths; 0.25 is the usual 'major shift'. Default 0.25."""
    max_token_js: Fraction = 0.7
    """Jensen-Shannon divergence of content words (small windows share few words even without drift). Default 0.7."""
    max_script_js: Fraction = 0.1
    """Jensen-Shannon divergence of the prompts' scripts (about one prompt in five in another script). Default 0.1."""
    max_empty_share: Fraction = 0.05
    """Share of empty prompts. Default 0.05."""
    max_oversized_share: Fraction = 0.05
    """Share of prompts longer than the tuning pipeline's `max_chars`. Default 0.05."""

    def as_metrics(self) -> dict[str, float]:
        """Drift metric name (as the drift report names it) -> its bound."""
        return {name.removeprefix("max_"): float(value) for name, value in self.model_dump().items()}


class RetrainingConfig(Strict):
    """When the scheduled evaluation asks for retraining, and how often at most.

    pipelines.lib.retraining decides; a request goes to the retraining-requests topic and the retraining
    subscriber starts the tuning run the manifest pins."""

    enabled: bool = False
    """Publish retraining requests at all. Default false (no request is published)."""
    max_negative_feedback_share: Fraction | None = 0.15
    """Ask when more than this share of the window's user feedback is negative; null turns it off. Default 0.15."""
    min_feedback: int = Field(default=20, ge=1)
    """Feedback items a window needs before its share is judged. Default 20."""
    below_gate_runs: int | None = Field(default=3, ge=1)
    """Ask when this many consecutive evaluation runs miss the quality gate; null turns it off. Default 3."""
    on_input_drift: bool = True
    """Ask when the evaluated window drifted from the release's evaluation set. Default true."""
    cooldown_hours: float = Field(default=72.0, ge=0.0)
    """No new request within this many hours of the last one. Default 72."""
    drift_bounds: InputDriftBounds = Field(default_factory=InputDriftBounds)
    """Above any of these the evaluated window has drifted: the drift alerts' thresholds."""
    subscriber_max_instances: int = Field(default=2, ge=1, le=100)
    """Most instances of the retraining subscriber (a Cloud Run function) at once. Default 2: requests are rare
    and each is one pipeline-job create."""


PRODUCTION_REQUIREMENTS: Final[tuple[tuple[str, Any, str], ...]] = (
    ("protection.protect_stateful", True, "protection.protect_stateful: true"),
    ("protection.deletion_protection", True, "protection.deletion_protection: true"),
    ("protection.force_destroy", False, "protection.force_destroy: false"),
    ("encryption.cmek", True, "encryption.cmek: true"),
    ("data.table_expiration_days", None, "data.table_expiration_days: null (production data must not expire)"),
)
"""Settings the production tier requires: (key path, required value, how the error asks for it). Environment
comparisons (`mlops diff staging prod`) read them as the settings that differ because of the tier."""


def setting(config: BaseModel, key_path: str) -> Any:
    """The value at a dotted key path of a config object (`protection.force_destroy`)."""
    value: Any = config
    for part in key_path.split("."):
        value = getattr(value, part)
    return value


class EnvironmentConfig(Strict):
    """One environment (= one Pulumi stack = one GCP project)."""

    name: Annotated[str, Field(pattern=rules.ENV_NAME.pattern)]
    """Environment name, also the stack name and the `env` label (e.g. dev, staging, prod)."""
    app: Segment
    """Application name: prefix of every resource name and the `app` label."""
    tier: Literal["development", "staging", "production"]
    """Drives the safe defaults reviewers expect; production requires protection and CMEK."""
    region: Region
    """Region of every regional resource (Vertex AI, Artifact Registry, KMS)."""
    labels: Labels = Field(default_factory=dict)
    """Extra labels on every labelable resource (merged under the platform's env/app/component/managed-by)."""
    project: ProjectConfig
    """The GCP project of the environment (created or adopted)."""
    protection: ProtectionConfig = Field(default_factory=ProtectionConfig)
    """Protection of stateful resources; off by default, required on in production."""
    encryption: EncryptionConfig = Field(default_factory=EncryptionConfig)
    """Customer-managed keys; off by default (Google-managed keys), required on in production."""
    data: DataConfig = Field(default_factory=DataConfig)
    """Buckets and BigQuery datasets."""
    messaging: MessagingConfig = Field(default_factory=MessagingConfig)
    """Pub/Sub topics, subscriptions and dead letters."""
    serving: ServingConfig = Field(default_factory=ServingConfig)
    """Served models and their endpoints."""
    observability: ObservabilityConfig
    """Notification channels and alert thresholds."""
    pipelines: PipelinesConfig = Field(default_factory=PipelinesConfig)
    """Pipeline run settings."""
    release: ReleaseConfig = Field(default_factory=ReleaseConfig)
    retraining: RetrainingConfig = Field(default_factory=RetrainingConfig)
    """Retraining triggers and cool-down; off by default."""

    @model_validator(mode="after")
    def _production_is_protected(self) -> EnvironmentConfig:
        if not self.is_production:
            return self
        missing = [ask for key_path, required, ask in PRODUCTION_REQUIREMENTS if setting(self, key_path) != required]
        if missing:
            raise ValueError("tier 'production' requires " + ", ".join(missing))
        return self

    @model_validator(mode="after")
    def _cmek_keys_colocated(self) -> EnvironmentConfig:
        if self.encryption.cmek and self.data.location != self.region:
            raise ValueError(
                f"encryption.cmek needs regional data: data.location is {self.data.location!r} but the keys live "
                f"in region {self.region!r}; set data.location: {self.region}"
            )
        return self

    @model_validator(mode="after")
    def _gateway_network_in_region(self) -> EnvironmentConfig:
        network = self.serving.gateway.network
        if network is None:
            return self
        if network.region != self.region:
            raise ValueError(
                f"serving.gateway.network.subnetwork is in region {network.region!r} but the gateway runs in "
                f"{self.region!r}; Direct VPC egress needs a subnetwork of the service's region"
            )
        attachment = network.service_attachment
        if attachment is not None and attachment.split("/")[3] != self.region:
            raise ValueError(
                f"serving.gateway.network.service_attachment is in region {attachment.split('/')[3]!r} but the "
                f"endpoint is in {self.region!r}; copy the attachment of this environment's endpoint"
            )
        return self

    @property
    def is_production(self) -> bool:
        """Production tier (`contracts.tier.is_production`): by tier, never by the environment's name."""
        return is_production(self.tier)

    @property
    def approval_required(self) -> bool:
        """Whether promotion into this environment needs a recorded approval (see ReleaseConfig)."""
        if self.release.require_approval is None:
            return self.is_production
        return self.release.require_approval

    @property
    def prefix(self) -> str:
        """`<app>-<env>`: the stem of every resource name."""
        return f"{self.app}-{self.name}"
