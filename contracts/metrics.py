"""Names of the evaluation metrics: pipelines score them, infra builds alerts and dashboards on them."""

from __future__ import annotations

METRIC_NAMES = ("groundedness", "toxicity", "relevance", "fluency")
"""Metrics every example gets, reference or not."""

REFERENCE_METRIC = "factuality"
"""Scored only where the example carries a reference answer."""
