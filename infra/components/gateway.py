"""The serving gateway on Cloud Run: its own identity, reachable only from inside, invokable only by name.

One Cloud Run v2 service per environment runs the gateway image (`serving/Dockerfile`, pinned by digest in
the release) in front of the served model's endpoint. Least privilege by construction:
- its own service account, holding a custom role with `aiplatform.endpoints.predict` on that one endpoint
  (granted on the endpoint, not the project) plus log and metric writing;
- ingress `internal` or `internal_and_load_balancer`, never all; the invoker IAM check stays on;
- roles/run.invoker only for the identities in `serving.gateway.invokers` (allUsers only when the
  environment opts in with `allow_unauthenticated`, which the policy pack refuses in production);
- CMEK with the environment's Cloud Run key where CMEK is on; deletion protection and `protect` where the
  environment protects its resources;
- with `serving.gateway.network` (a Private Service Connect endpoint), Direct VPC egress into the adopted
  subnetwork and the endpoint's consumer address there (`infra.components.network`), which the container
  is told to call instead of the regional API.
The container reads its settings from `GATEWAY_*` variables written by `serving.settings.environment_of`,
so the platform and the image share one list of names. Without a gateway image in the release (nothing
released yet), the identity and its grants exist and the service comes with the first release.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.gateway_config import container_environment
from infra.components.naming import Naming, stateful, type_token
from infra.components.network import PrivateEndpointPath, PrivateEndpointPathArgs, vpc_access
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig
from serving.settings import API_URL

PREDICT_PERMISSIONS = ("aiplatform.endpoints.predict",)
"""The gateway's whole use of Vertex AI: online prediction on its endpoint."""
RUNTIME_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
INVOKER_ROLE = "roles/run.invoker"
INGRESS = {
    "internal": "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "internal_and_load_balancer": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
}
PUBLIC_INVOKER = "allUsers"
CONTAINER_PORT = 8080
CPU = "1"
MEMORY = "512Mi"
REQUEST_CONCURRENCY = 80
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class GatewayArgs:
    """Inputs of the Gateway component.

    endpoint_id: the served model's endpoint id (`Serving`); the gateway may predict there and nowhere else.
    endpoint: the endpoint resource, which the predict grant is made on.
    image: the gateway image pinned by digest (`<registry>/<path>@sha256:...`) from the release; None
        (default) until a release pins one, and then no service is created.
    canary: whether the release runs a canary (the `previous` stage then asks for the other version).
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs
    endpoint_id: str
    endpoint: gcp.vertex.AiEndpoint
    image: str | None = None
    canary: bool = False


class Gateway(pulumi.ComponentResource):
    """Service account, its grants, and (with a released image) the Cloud Run service and its invokers."""

    service_account: gcp.serviceaccount.Account
    service: gcp.cloudrunv2.Service | None
    private_path: PrivateEndpointPath | None

    def __init__(self, name: str, args: GatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Gateway"), name, None, opts)
        cfg, naming, project = args.cfg, args.naming, args.project
        after_apis = pulumi.ResourceOptions(parent=self, depends_on=list(project.services))
        self.service_account = gcp.serviceaccount.Account(
            f"{name}-sa",
            project=project.project_id,
            account_id=naming.account_id("gateway"),
            display_name=f"{naming.prefix} gateway",
            description="Identity of the serving gateway on Cloud Run: predicts on its one endpoint, writes logs.",
            opts=after_apis,
        )
        # the e-mail Google derives from the account id (known at preview), carrying the account as dependency
        self.email = pulumi.Output.concat(
            self.service_account.account_id, "@", self.service_account.project, ".iam.gserviceaccount.com"
        )
        member = pulumi.Output.concat("serviceAccount:", self.email)
        self._runtime_grants(name, args, member, after_apis)
        self._image_pull(name, cfg, project)
        gcp.serviceaccount.IAMMember(
            f"{name}-deployer-actas",
            service_account_id=self.service_account.name,
            role="roles/iam.serviceAccountUser",
            member=project.deployer_sa.apply(lambda email: f"serviceAccount:{email}"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        network = cfg.serving.gateway.network
        self.private_path = (
            PrivateEndpointPath(
                name,
                PrivateEndpointPathArgs(
                    cfg=cfg, naming=naming, project=project, network=network, endpoint=args.endpoint,
                    endpoint_id=args.endpoint_id,
                ),
                parent=self,
            )
            if network is not None
            else None
        )
        self.service = self._service(name, args, args.image) if args.image is not None else None
        if self.service is not None:
            self._invokers(name, cfg, self.service)
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, object]:
        outputs: dict[str, object] = {
            "service_account": self.email,
            "url": self.service.uri if self.service is not None else None,
        }
        if self.private_path is not None:
            outputs["predict_url"] = self.private_path.api_url
        return outputs

    def _runtime_grants(
        self, name: str, args: GatewayArgs, member: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> None:
        """Predict on the one endpoint (a custom role granted on it), logs and metrics on the project."""
        cfg, naming, project = args.cfg, args.naming, args.project
        role = gcp.projects.IAMCustomRole(
            f"{name}-predict-role",
            project=project.project_id,
            role_id=naming.underscored("gateway", "predict"),
            title=f"{naming.prefix} gateway predict",
            description="Online prediction only: what the serving gateway needs of Vertex AI.",
            permissions=list(PREDICT_PERMISSIONS),
            stage="GA",
            opts=opts,
        )
        gcp.vertex.AiEndpointIamMember(
            f"{name}-predict",
            project=project.project_id,
            location=cfg.region,
            endpoint=args.endpoint.name,
            # the id Google derives from the role's inputs (known at preview), carrying the role as dependency
            role=pulumi.Output.concat("projects/", role.project, "/roles/", role.role_id),
            member=member,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.endpoint]),
        )
        for granted in RUNTIME_ROLES:
            gcp.projects.IAMMember(
                f"{name}-{granted.removeprefix('roles/').replace('.', '-')}",
                project=project.project_id,
                role=granted,
                member=member,
                opts=opts,
            )

    def _image_pull(self, name: str, cfg: EnvironmentConfig, project: ProjectRefs) -> None:
        """Cloud Run's service agent pulls the image from the shared release images repository (when the
        environment reads releases from one)."""
        if cfg.release.artifacts is None:
            return
        _, repo_project, _, location, _, repository = cfg.release.artifacts.images_repository.split("/")
        gcp.artifactregistry.RepositoryIamMember(
            f"{name}-run-agent-release-images-reader",
            project=repo_project,
            location=location,
            repository=repository,
            role="roles/artifactregistry.reader",
            member=project.agent("run"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service(self, name: str, args: GatewayArgs, image: str) -> gcp.cloudrunv2.Service:
        cfg, naming, project, keys = args.cfg, args.naming, args.project, args.keys
        g = cfg.serving.gateway
        path = self.private_path
        environment: dict[str, pulumi.Input[str]] = dict(
            container_environment(cfg, args.endpoint_id, args.canary, private=path is not None)
        )
        if path is not None:
            # the consumer address (an output when the subnetwork allocates it)
            environment[API_URL] = path.api_url
        probe = gcp.cloudrunv2.ServiceTemplateContainerStartupProbeArgs(
            http_get=gcp.cloudrunv2.ServiceTemplateContainerStartupProbeHttpGetArgs(path=HEALTH_PATH),
            period_seconds=2,
            failure_threshold=10,
        )
        liveness = gcp.cloudrunv2.ServiceTemplateContainerLivenessProbeArgs(
            http_get=gcp.cloudrunv2.ServiceTemplateContainerLivenessProbeHttpGetArgs(path=HEALTH_PATH),
            period_seconds=30,
        )
        container = gcp.cloudrunv2.ServiceTemplateContainerArgs(
            image=image,
            ports=gcp.cloudrunv2.ServiceTemplateContainerPortsArgs(container_port=CONTAINER_PORT),
            envs=[gcp.cloudrunv2.ServiceTemplateContainerEnvArgs(name=k, value=v) for k, v in environment.items()],
            resources=gcp.cloudrunv2.ServiceTemplateContainerResourcesArgs(limits={"cpu": CPU, "memory": MEMORY}),
            startup_probe=probe,
            liveness_probe=liveness,
        )
        template = gcp.cloudrunv2.ServiceTemplateArgs(
            service_account=self.email,
            encryption_key=keys.run,
            containers=[container],
            scaling=gcp.cloudrunv2.ServiceTemplateScalingArgs(
                min_instance_count=g.min_instances, max_instance_count=g.max_instances
            ),
            max_instance_request_concurrency=REQUEST_CONCURRENCY,
            # the request deadline plus time for the fallbacks, which answer at once
            timeout=f"{g.deadline_ms // 1000 + 5}s",
            labels=naming.labels("gateway"),
            vpc_access=vpc_access(g.network) if g.network is not None else None,
        )
        path_resources: list[pulumi.Resource] = []
        if path is not None:
            path_resources = [path.address, *([path.forwarding_rule] if path.forwarding_rule is not None else [])]
        return gcp.cloudrunv2.Service(
            f"{name}-service",
            name=naming.name("gateway"),
            project=project.project_id,
            location=cfg.region,
            description=f"Serving gateway of {cfg.name}: answers from the model, falls back when it fails.",
            ingress=INGRESS[g.ingress],
            deletion_protection=cfg.protection.deletion_protection,
            labels=naming.labels("gateway"),
            template=template,
            opts=stateful(
                cfg,
                pulumi.ResourceOptions(
                    parent=self, depends_on=[*project.services, *keys.grants, args.endpoint, *path_resources]
                ),
            ),
        )

    def _invokers(self, name: str, cfg: EnvironmentConfig, service: gcp.cloudrunv2.Service) -> None:
        g = cfg.serving.gateway
        members = [*g.invokers, *([PUBLIC_INVOKER] if g.allow_unauthenticated else [])]
        for member in members:
            gcp.cloudrunv2.ServiceIamMember(
                f"{name}-invoker-{_member_slug(member)}",
                project=service.project,
                location=service.location,
                name=service.name,
                role=INVOKER_ROLE,
                member=member,
                opts=pulumi.ResourceOptions(parent=self),
            )


def _member_slug(member: str) -> str:
    """`serviceAccount:app@p.iam.gserviceaccount.com` -> `app-p`: a stable, readable resource name part."""
    address = member.partition(":")[2] or member
    local, _, domain = address.partition("@")
    project = domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else domain.replace(".", "-")
    return "-".join(part for part in (local.replace(".", "-").replace("_", "-"), project) if part).lower()
