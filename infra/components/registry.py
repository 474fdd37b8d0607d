"""Where versioned artifacts live: Artifact Registry for KFP templates and images, the Vertex metadata store."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, deletion_policy, stateful, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig

UNTAGGED_IMAGE_TTL = f"{30 * 86_400}s"


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of the Registry component; repositories are regional (`cfg.region`), encrypted with
    `keys.artifact_registry` / `keys.vertex` when CMEK is on, and a TensorBoard exists when
    `cfg.pipelines.tensorboard` is set."""

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs


class Registry(pulumi.ComponentResource):
    """KFP and Docker repositories, the Vertex AI metadata store and (optionally) a TensorBoard."""

    pipelines_repo: gcp.artifactregistry.Repository
    images_repo: gcp.artifactregistry.Repository
    kfp_host: pulumi.Output[str]
    """`https://<region>-kfp.pkg.dev/<project>/<repo>`: what kfp's RegistryClient and PipelineJob take."""
    images_url: pulumi.Output[str]
    """`<region>-docker.pkg.dev/<project>/<repo>`: prefix of serving image references."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Registry"), name, None, opts)
        cfg, naming, project, keys = args.cfg, args.naming, args.project, args.keys
        depends = [*project.services, *keys.grants]
        base = stateful(cfg, pulumi.ResourceOptions(parent=self, depends_on=depends))
        self.pipelines_repo = gcp.artifactregistry.Repository(
            f"{name}-pipelines",
            repository_id=naming.name("pipelines"),
            format="KFP",
            description="Compiled KFP pipeline templates, pinned by sha256 version.",
            labels=naming.labels("registry"),
            project=project.project_id,
            location=cfg.region,
            kms_key_name=keys.artifact_registry,
            deletion_policy=deletion_policy(cfg),
            opts=base,
        )
        self.images_repo = gcp.artifactregistry.Repository(
            f"{name}-images",
            repository_id=naming.name("images"),
            format="DOCKER",
            description="Serving and component images, referenced by digest.",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policies=[
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED", older_than=UNTAGGED_IMAGE_TTL
                    ),
                )
            ],
            labels=naming.labels("registry"),
            project=project.project_id,
            location=cfg.region,
            kms_key_name=keys.artifact_registry,
            deletion_policy=deletion_policy(cfg),
            opts=base,
        )
        store_key = (
            gcp.vertex.AiMetadataStoreEncryptionSpecArgs(kms_key_name=keys.vertex) if keys.vertex is not None else None
        )
        board_key = (
            gcp.vertex.AiTensorboardEncryptionSpecArgs(kms_key_name=keys.vertex) if keys.vertex is not None else None
        )
        self.metadata_store = gcp.vertex.AiMetadataStore(
            f"{name}-metadata",
            name="default",
            description="Lineage of pipeline runs, datasets and models of the environment.",
            project=project.project_id,
            region=cfg.region,
            encryption_spec=store_key,
            opts=stateful(cfg, pulumi.ResourceOptions(parent=self, depends_on=depends)),
        )
        self.tensorboard = (
            gcp.vertex.AiTensorboard(
                f"{name}-tensorboard",
                display_name=naming.name("tensorboard"),
                project=project.project_id,
                region=cfg.region,
                encryption_spec=board_key,
                labels=naming.labels("registry"),
                opts=stateful(cfg, pulumi.ResourceOptions(parent=self, depends_on=depends)),  # holds run history
            )
            if cfg.pipelines.tensorboard
            else None
        )
        self.kfp_host = pulumi.Output.concat(
            "https://", cfg.region, "-kfp.pkg.dev/", project.project_id, "/", self.pipelines_repo.repository_id
        )
        self.images_url = pulumi.Output.concat(
            cfg.region, "-docker.pkg.dev/", project.project_id, "/", self.images_repo.repository_id
        )
        self.register_outputs({"kfp_host": self.kfp_host, "images_url": self.images_url})
