"""The environment's GCP project: created or adopted, its APIs, its service accounts and their roles.

Least privilege by construction: no basic roles (owner/editor/viewer), no user-managed keys, impersonation
granted on the specific service account rather than project-wide. Resource-level grants (buckets, datasets,
topics) are made where those resources live (`infra/components/access.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, deletion_policy, stateful, type_token
from infra.components.refs import ProjectRefs
from infra.config.model import EnvironmentConfig

# APIs every environment needs; CMEK adds Cloud KMS.
BASE_SERVICES = (
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
)
KMS_SERVICE = "cloudkms.googleapis.com"
RUN_SERVICE = "run.googleapis.com"
FUNCTION_SERVICES = ("cloudbuild.googleapis.com", "cloudfunctions.googleapis.com", RUN_SERVICE)
"""A Cloud Run function (the retraining subscriber) is built by Cloud Build and runs on Cloud Run."""
PSC_SERVICE = "compute.googleapis.com"

# Project-level roles per service account; everything narrower is granted on the resource itself.
PIPELINES_ROLES = (
    "roles/aiplatform.user",
    "roles/bigquery.jobUser",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
)
SERVING_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
)
# The CI deployer applies this program: it administers exactly the services the program manages.
DEPLOYER_ROLES = (
    "roles/aiplatform.admin",
    "roles/artifactregistry.admin",
    "roles/bigquery.admin",
    "roles/logging.configWriter",
    "roles/monitoring.editor",
    "roles/pubsub.admin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
)
DEPLOYER_KMS_ROLE = "roles/cloudkms.admin"
DEPLOYER_RUN_ROLE = "roles/run.admin"
DEPLOYER_FUNCTIONS_ROLE = "roles/cloudfunctions.developer"
"""Where retraining is on: deploy the subscriber function (its invoker is granted on the Cloud Run service)."""
"""Where the environment runs the serving gateway: deploy it and grant its invokers (run.services.setIamPolicy)."""
AUDITED_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
# Service agents the environment grants roles to. A new project has none of them until something asks:
# ServiceIdentity (and the two look-ups below for Cloud Storage and BigQuery) make each exist first.
PROVISIONED_AGENTS = {
    "pubsub": "pubsub.googleapis.com",
    "aiplatform": "aiplatform.googleapis.com",
    "artifactregistry": "artifactregistry.googleapis.com",
    "monitoring": "monitoring.googleapis.com",
}


@dataclass(frozen=True)
class ProjectArgs:
    """Inputs of the Project component.

    cfg: the environment; `cfg.project.mode` decides create (folder/org + billing, no default network) or adopt.
    naming: names and labels of the environment.
    """

    cfg: EnvironmentConfig
    naming: Naming


class Project(pulumi.ComponentResource):
    """Project, enabled APIs, audit logging, and the pipelines / serving / deployer service accounts."""

    refs: ProjectRefs
    service_accounts: dict[str, gcp.serviceaccount.Account]

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Project"), name, None, opts)
        cfg, naming = args.cfg, args.naming
        child = pulumi.ResourceOptions(parent=self)

        project_id, number, project_deps = self._project(name, cfg, naming, child)
        services = [
            gcp.projects.Service(
                f"{name}-{service.split('.')[0]}",
                project=project_id,
                service=service,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=project_deps),
            )
            for service in self.services_for(cfg)
        ]
        after_apis = pulumi.ResourceOptions(parent=self, depends_on=services)

        gcp.projects.IAMAuditConfig(
            f"{name}-audit-all-services",
            project=project_id,
            service="allServices",
            audit_log_configs=[{"log_type": t} for t in AUDITED_LOG_TYPES],
            opts=after_apis,
        )

        self.service_accounts = {
            role: gcp.serviceaccount.Account(
                f"{name}-sa-{role}",
                project=project_id,
                account_id=naming.account_id(role),
                display_name=f"{naming.prefix} {role}",
                description=description,
                opts=after_apis,
            )
            for role, description in (
                ("pipelines", "Runs the environment's Vertex AI pipelines (tuning, evaluation)."),
                ("serving", "Identity of the models served on the environment's Vertex AI endpoints."),
                ("deployer", "CI deployer: applies this Pulumi program (impersonated through workload identity)."),
            )
        }
        grants = {
            "pipelines": PIPELINES_ROLES,
            "serving": SERVING_ROLES,
            "deployer": DEPLOYER_ROLES
            + ((DEPLOYER_KMS_ROLE,) if cfg.encryption.cmek else ())
            + ((DEPLOYER_RUN_ROLE,) if cfg.serving.gateway_model or cfg.retraining.enabled else ())
            + ((DEPLOYER_FUNCTIONS_ROLE,) if cfg.retraining.enabled else ()),
        }
        for role, roles in grants.items():
            account = self.service_accounts[role]
            for granted in roles:
                gcp.projects.IAMMember(
                    f"{name}-{role}-{granted.removeprefix('roles/').replace('.', '-')}",
                    project=project_id,
                    role=granted,
                    member=account.member,
                    opts=after_apis,
                )
        # The deployer deploys models and schedules pipelines that run as these accounts: actAs on each one.
        for runtime in ("pipelines", "serving"):
            gcp.serviceaccount.IAMMember(
                f"{name}-deployer-actas-{runtime}",
                service_account_id=self.service_accounts[runtime].name,
                role="roles/iam.serviceAccountUser",
                member=self.service_accounts["deployer"].member,
                opts=child,
            )

        identities = {
            agent: gcp.projects.ServiceIdentity(
                f"{name}-agent-{agent}", project=project_id, service=api, opts=after_apis
            )
            for agent, api in PROVISIONED_AGENTS.items()
        }
        lookup = pulumi.InvokeOutputOptions(parent=self, depends_on=services)
        storage_agent = gcp.storage.get_project_service_account_output(project=project_id, opts=lookup)
        bigquery_agent = gcp.bigquery.get_default_service_account_output(project=project_id, opts=lookup)
        agents = {
            **{agent: identity.member for agent, identity in identities.items()},
            "storage": storage_agent.member,
            "bigquery": bigquery_agent.member,
        }

        self.refs = ProjectRefs(
            project_id=project_id,
            number=number,
            pipelines_sa=self.service_accounts["pipelines"].email,
            serving_sa=self.service_accounts["serving"].email,
            deployer_sa=self.service_accounts["deployer"].email,
            services=tuple(services),
            agents=agents,
        )
        self.register_outputs(
            {
                "project_id": project_id,
                "project_number": number,
                "service_accounts": {k: v.email for k, v in self.service_accounts.items()},
            }
        )

    @staticmethod
    def services_for(cfg: EnvironmentConfig) -> list[str]:
        """The APIs the environment needs, sorted and de-duplicated."""
        extra = set(cfg.project.extra_services)
        if cfg.encryption.cmek:
            extra.add(KMS_SERVICE)
        if any(m.private_service_connect for m in cfg.serving.models):
            extra.add(PSC_SERVICE)
        if cfg.serving.gateway_model:
            extra.add(RUN_SERVICE)
        if cfg.retraining.enabled:
            extra.update(FUNCTION_SERVICES)
        return sorted(set(BASE_SERVICES) | extra)

    def _project(
        self, name: str, cfg: EnvironmentConfig, naming: Naming, child: pulumi.ResourceOptions
    ) -> tuple[pulumi.Output[str], pulumi.Output[str], list[pulumi.Resource]]:
        """Create the project (returning its outputs) or look the adopted one up."""
        spec = cfg.project
        if spec.mode == "create":
            project = gcp.organizations.Project(
                f"{name}-project",
                project_id=spec.id,
                name=spec.name or spec.id,
                folder_id=spec.folder_id,
                org_id=spec.org_id,
                billing_account=spec.billing_account,
                auto_create_network=False,
                deletion_policy=deletion_policy(cfg),
                labels=naming.labels("project"),
                opts=stateful(cfg, child),
            )
            return project.project_id, project.number, [project]
        existing = gcp.organizations.get_project_output(project_id=spec.id, opts=pulumi.InvokeOptions(parent=self))
        return pulumi.Output.from_input(spec.id), existing.number, []
