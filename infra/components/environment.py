"""One environment = one GCP project and everything in it, built from the validated config.

Order of construction follows the data flow: project and keys first, then data, messaging, registries and
serving, the runtime grants between them, observability over all of it, and last the release that registers
pipelines and models (only when the environment has a release manifest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from infra.components.access import RuntimeAccess, RuntimeAccessArgs
from infra.components.data import Data, DataArgs
from infra.components.gateway import Gateway, GatewayArgs
from infra.components.gateway_config import canary_running
from infra.components.kms import Kms, KmsArgs
from infra.components.messaging import Messaging, MessagingArgs
from infra.components.naming import Naming, type_token
from infra.components.observability import Observability, ObservabilityArgs
from infra.components.project import Project, ProjectArgs
from infra.components.refs import KeyRefs, ProjectRefs
from infra.components.registry import Registry, RegistryArgs
from infra.components.retraining import TOPIC as RETRAINING_TOPIC
from infra.components.retraining import Retraining, RetrainingArgs, deployed, tuning_target
from infra.components.serving import Serving, ServingArgs, endpoint_id
from infra.config.model import EnvironmentConfig
from infra.release.component import Release, ReleaseArgs
from infra.release.endpoints import ServiceEndpoints
from infra.release.schema import ReleaseManifest
from infra.retraining.package import source_archive


@dataclass(frozen=True)
class EnvironmentArgs:
    """cfg: the validated environment.
    release: its validated release manifest; None (default) when nothing has been released there yet, and
        then no pipeline or model is registered.
    source_dir: the source tree the manifest's compiled templates are relative to (required: the program's
        tree, which the caller knows; no default, so no module guesses a repository root).
    service_endpoints: where the release's Vertex AI and template-registry calls go; default Google's
        (set only by a rehearsal against loopback servers).
    working_dir: where the engine runs the release's providers; default this process's working directory.
    """

    cfg: EnvironmentConfig
    source_dir: Path
    release: ReleaseManifest | None = None
    service_endpoints: ServiceEndpoints = field(default_factory=ServiceEndpoints)
    working_dir: Path | None = None


class Environment(pulumi.ComponentResource):
    """The whole environment; its attributes are what `infra/__main__.py` exports."""

    def __init__(self, name: str, args: EnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Environment"), name, None, opts)
        cfg = args.cfg
        naming = Naming(cfg)
        child = pulumi.ResourceOptions(parent=self)

        self.project = Project(f"{name}-project", ProjectArgs(cfg, naming), child)
        project = self.project.refs
        self.kms = Kms(f"{name}-kms", KmsArgs(cfg, naming, project), child) if cfg.encryption.cmek else None
        keys = self.kms.refs if self.kms else KeyRefs()

        self.data = Data(f"{name}-data", DataArgs(cfg, naming, project, keys), child)
        self.messaging = Messaging(
            f"{name}-messaging",
            MessagingArgs(
                cfg,
                naming,
                project,
                keys,
                feedback_table=self.data.feedback_table_id,
                feedback_dataset=self.data.datasets["feedback"],
                pushed_topics=frozenset({RETRAINING_TOPIC} if deployed(cfg, args.release) else ()),
            ),
            child,
        )
        self.registry = Registry(f"{name}-registry", RegistryArgs(cfg, naming, project, keys), child)
        self.serving = Serving(
            f"{name}-serving",
            ServingArgs(cfg, naming, project, keys, prediction_logs_uri=self.data.prediction_logs_uri),
            child,
        )
        self.gateway = self._gateway(name, args, project, keys, naming, child)
        self.access = RuntimeAccess(
            f"{name}-access",
            RuntimeAccessArgs(project, self.data, self.messaging, self.registry, cfg.release.artifacts),
            child,
        )
        self.retraining = self._retraining(name, args, naming, keys, child)
        subscriptions = {k: s.name for k, s in self.messaging.subscriptions_with_dead_letter.items()}
        if self.retraining is not None:
            subscriptions[RETRAINING_TOPIC] = self.retraining.subscription.name
        self.observability = Observability(
            f"{name}-observability",
            ObservabilityArgs(
                cfg,
                naming,
                project,
                endpoints={model: ep.name for model, ep in self.serving.endpoints.items()},
                subscriptions=subscriptions,
                automation_topic=self.messaging.topics["alerts"].id,
            ),
            child,
        )
        self.release = (
            Release(
                f"{name}-release",
                ReleaseArgs(
                    cfg=cfg,
                    manifest=args.release,
                    project_id=project.project_id,
                    kfp_host=self._kfp_host(args.service_endpoints),
                    endpoint_ids={model: ep.name for model, ep in self.serving.endpoints.items()},
                    pipelines_service_account=project.pipelines_sa,
                    pipeline_root=self.data.buckets["pipeline_root"].url,
                    serving_service_account=project.serving_sa,
                    kms_key_name=self.kms.refs.vertex if self.kms else None,
                    # the Project holds the deployer's actAs on the pipelines and serving accounts the release uses
                    depends_on=[
                        self.project,
                        *project.services,
                        *keys.grants,
                        self.registry,
                        self.serving,
                        self.access,
                    ],
                    source_dir=args.source_dir,
                    api_endpoint=args.service_endpoints.vertex_api,
                    working_dir=args.working_dir,
                ),
                child,
            )
            if args.release is not None
            else None
        )
        self.register_outputs(self.outputs())

    def _gateway(
        self,
        name: str,
        args: EnvironmentArgs,
        project: ProjectRefs,
        keys: KeyRefs,
        naming: Naming,
        child: pulumi.ResourceOptions,
    ) -> Gateway | None:
        """The serving gateway in front of the gateway model's endpoint; None when the env runs no gateway."""
        model = args.cfg.serving.gateway_model
        if model is None:
            return None
        endpoint = self.serving.endpoints[model]
        return Gateway(
            f"{name}-gateway",
            GatewayArgs(
                args.cfg,
                naming,
                project,
                keys,
                endpoint_id=endpoint_id(naming.prefix, model),
                endpoint=endpoint,
                image=args.release.gateway.image if args.release and args.release.gateway else None,
                canary=canary_running(args.cfg, args.release),
            ),
            child,
        )

    def _retraining(
        self, name: str, args: EnvironmentArgs, naming: Naming, keys: KeyRefs, child: pulumi.ResourceOptions
    ) -> Retraining | None:
        """The retraining subscriber, where retraining is on and the manifest pins a tuning pipeline."""
        target = tuning_target(
            args.cfg, args.release, self._kfp_host(args.service_endpoints), self.data.buckets["pipeline_root"].url
        )
        if target is None:
            return None
        return Retraining(
            f"{name}-retraining",
            RetrainingArgs(
                args.cfg,
                naming,
                self.project.refs,
                keys,
                requests_topic=self.messaging.topics[RETRAINING_TOPIC],
                dead_letter_topic=self.messaging.dead_letter_topics[RETRAINING_TOPIC],
                events_topic=self.messaging.topics["model-events"],
                pipelines_repository=self.registry.pipelines_repo,
                tuning=target,
                source=source_archive(args.source_dir),
                subscription_aliases=[self.messaging.alias(f"{RETRAINING_TOPIC}-sub")],
                agent_grant_aliases=[self.messaging.alias(f"{RETRAINING_TOPIC}-agent-subscriber")],
            ),
            child,
        )

    def _kfp_host(self, endpoints: ServiceEndpoints) -> pulumi.Output[str]:
        if endpoints.kfp_registry is None:
            return self.registry.kfp_host
        return pulumi.Output.concat(
            endpoints.kfp_registry, "/", self.project.refs.project_id, "/", self.registry.pipelines_repo.repository_id
        )

    def outputs(self) -> dict[str, object]:
        """What a user needs after `pulumi up`; exported as stack outputs."""
        return {
            "project_id": self.project.refs.project_id,
            "project_number": self.project.refs.number,
            "service_accounts": {k: v.email for k, v in self.project.service_accounts.items()},
            "buckets": {k: b.name for k, b in self.data.buckets.items()},
            "datasets": {k: d.dataset_id for k, d in self.data.datasets.items()},
            "topics": {k: t.id for k, t in self.messaging.topics.items()},
            "endpoints": {k: e.name for k, e in self.serving.endpoints.items()},
            "gateway": self.gateway.outputs() if self.gateway else None,
            "kfp_repository": self.registry.kfp_host,
            "images_repository": self.registry.images_url,
            "dashboard_url": self.observability.dashboard_url,
            "release": self.release.release_id if self.release else None,
        }
