"""Project component: created vs adopted project, APIs, least-privilege service accounts, audit logs."""

from __future__ import annotations

import pytest

from infra.components.naming import Naming
from infra.components.project import BASE_SERVICES, KMS_SERVICE, PSC_SERVICE, Project, ProjectArgs
from tests.infra.components.env_refs import config
from tests.infra.components.mocks import Recording, run

BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}


def build(env: str) -> Recording:
    cfg = config(env)
    return run(lambda: Project(f"{cfg.prefix}-project", ProjectArgs(cfg, Naming(cfg))).refs.project_id)


def test_dev_creates_project_without_default_network() -> None:
    recording = build("dev")
    (project,) = recording.of_type("gcp:organizations/project:Project")
    assert project.inputs["projectId"] == "acme-genai-dev", project.urn
    assert project.inputs["autoCreateNetwork"] is False, project.urn
    assert project.inputs["folderId"] == "123456789012", project.urn
    assert project.inputs["billingAccount"] == "01A2B3-C4D5E6-F7A8B9", project.urn
    assert project.inputs["deletionPolicy"] == "DELETE", project.urn
    assert project.inputs["labels"]["env"] == "dev", project.urn
    assert recording.value == "acme-genai-dev"


def test_prod_adopts_existing_project() -> None:
    recording = build("prod")
    assert recording.of_type("gcp:organizations/project:Project") == []
    assert recording.value == "acme-genai-prod"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_apis_enabled(env: str) -> None:
    services = {r.inputs["service"]: r for r in build(env).of_type("gcp:projects/service:Service")}
    assert set(BASE_SERVICES) <= set(services)
    assert (KMS_SERVICE in services) == (env == "prod")
    assert (PSC_SERVICE in services) == (env == "prod")  # prod serves through Private Service Connect
    for service in services.values():
        assert service.inputs["disableOnDestroy"] is False, service.urn


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_least_privilege(env: str) -> None:
    recording = build(env)
    accounts = recording.of_type("gcp:serviceaccount/account:Account")
    assert sorted(a.inputs["accountId"] for a in accounts) == [
        f"genai-{env}-deployer", f"genai-{env}-pipelines", f"genai-{env}-serving"
    ]
    assert recording.of_type("gcp:serviceaccount/key:Key") == [], "no user-managed keys"
    project_grants = recording.of_type("gcp:projects/iAMMember:IAMMember")
    assert project_grants, "service accounts get project roles"
    for grant in project_grants:
        assert grant.inputs["role"] not in BASIC_ROLES, grant.urn
        assert grant.inputs["role"] not in {"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"}, (
            f"impersonation is granted per service account, not project-wide: {grant.urn}"
        )
    act_as = recording.of_type("gcp:serviceaccount/iAMMember:IAMMember")
    assert {r.name for r in act_as} == {
        f"genai-{env}-project-deployer-actas-pipelines",
        f"genai-{env}-project-deployer-actas-serving",
    }
    assert all(r.inputs["role"] == "roles/iam.serviceAccountUser" for r in act_as)


def test_kms_admin_only_where_cmek() -> None:
    def roles(env: str) -> set[str]:
        return {r.inputs["role"] for r in build(env).of_type("gcp:projects/iAMMember:IAMMember")}

    assert "roles/cloudkms.admin" in roles("prod")
    assert "roles/cloudkms.admin" not in roles("dev")


def test_audit_logs_cover_all_services() -> None:
    (audit,) = build("staging").of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert audit.inputs["service"] == "allServices"
    assert {c["logType"] for c in audit.inputs["auditLogConfigs"]} == {"ADMIN_READ", "DATA_READ", "DATA_WRITE"}
