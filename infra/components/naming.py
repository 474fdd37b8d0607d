"""Deterministic names and labels: one helper each, so every component names and labels things alike."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from infra.config.model import EnvironmentConfig

PACKAGE = "genai-mlops"
MANAGED_BY = "pulumi"


def type_token(kind: str) -> str:
    """Component type token `<package>:<module>:<Type>`."""
    return f"{PACKAGE}:platform:{kind}"


class Naming:
    """Names every resource of one environment from `<app>-<env>`; never a random suffix."""

    def __init__(self, cfg: EnvironmentConfig) -> None:
        self.cfg = cfg
        self.prefix = cfg.prefix

    def name(self, *parts: str) -> str:
        """`<app>-<env>-<part>-...` for resources that take hyphens (topics, repositories, endpoints)."""
        return "-".join((self.prefix, *parts))

    def underscored(self, *parts: str) -> str:
        """The same with underscores, for BigQuery ids."""
        return self.name(*parts).replace("-", "_")

    def bucket(self, purpose: str) -> str:
        """Globally unique bucket name `<project id>-<purpose>` unless config overrides it."""
        override = self.cfg.data.bucket_names.get(purpose)  # type: ignore[call-overload]
        return override or f"{self.cfg.project.id}-{purpose.replace('_', '-')}"

    def dataset(self, purpose: str) -> str:
        prefix = self.cfg.data.dataset_prefix or self.prefix.replace("-", "_")
        return f"{prefix}_{purpose}"

    def topic(self, *parts: str) -> str:
        prefix = self.cfg.messaging.topic_prefix or self.prefix
        return "-".join((prefix, *parts))

    def account_id(self, role: str) -> str:
        """Service account id (6-30 chars): `<app>-<env>-<role>` shortened deterministically when too long."""
        candidate = self.name(role)
        return candidate if len(candidate) <= 30 else f"{self.cfg.app[:10]}-{self.cfg.name[:6]}-{role}"[:30].rstrip("-")

    def labels(self, component: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The platform's labels (env, app, component, managed-by) over the config's and the caller's extras."""
        return {
            **self.cfg.labels,
            **(extra or {}),
            "env": self.cfg.name,
            "app": self.cfg.app,
            "component": component,
            "managed-by": MANAGED_BY,
        }


def stateful(cfg: EnvironmentConfig, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """Options for a stateful resource: `protect` (and never delete on replace) where the env protects data."""
    if not cfg.protection.protect_stateful:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))


def deletion_policy(cfg: EnvironmentConfig) -> str:
    """Provider-side `deletion_policy`: PREVENT where the env asks for deletion protection, else DELETE."""
    return "PREVENT" if cfg.protection.deletion_protection else "DELETE"
