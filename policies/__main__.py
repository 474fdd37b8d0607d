"""The CrossGuard entry point: build the pack from the discovered rules (this starts the analyzer server).

The environment is the stack being previewed (`PULUMI_STACK`, set by the Pulumi CLI for the analyzer);
without it the pack assumes prod, the strictest levels.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: `policies`, `contracts.errors`

from pulumi_policy import PolicyPack

from policies.discovery import discover_rules
from policies.levels import load_levels
from policies.pack import build_policies

environment = os.environ.get("PULUMI_STACK", "prod").rsplit("/", 1)[-1]
PolicyPack(
    name="genai-mlops-guardrails",
    policies=build_policies(environment, load_levels(None, discover_rules())),
)
