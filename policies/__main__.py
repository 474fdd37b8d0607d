"""The CrossGuard entry point: build the pack from the discovered rules (this starts the analyzer server).

The environment is the stack being previewed (`PULUMI_STACK`, set by the Pulumi CLI for the analyzer);
without it the pack assumes prod. The project whose stack files give each stack's tier is the one holding
this pack (the nearest `Pulumi.yaml` above it).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: `policies`, `contracts.errors`

from pulumi_policy import PolicyPack

from infra.layout import Project
from policies.check import levels_for
from policies.pack import build_policies

environment = os.environ.get("PULUMI_STACK", "prod").rsplit("/", 1)[-1]
PolicyPack(
    name="genai-mlops-guardrails",
    policies=build_policies(environment, levels_for(Project.find(Path(__file__).resolve().parent))),
)
