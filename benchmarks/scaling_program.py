"""A generated Pulumi program serving N models, for the synth scaling benchmark and the snapshot-identity test.

Per served model: a component with a Vertex endpoint, a dynamic model version, a log metric, an alert policy
and a BigQuery IAM grant (6 resources); shared: a bucket, a dataset, the stack and the default provider
(N models -> 6 N + 5 resources).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PROVIDERS_SOURCE = textwrap.dedent('''
    from pulumi import dynamic

    class ModelVersionProvider(dynamic.ResourceProvider):
        def create(self, props):
            return dynamic.CreateResult(id_=props["model"], outs=props)

    class ModelVersion(dynamic.Resource):
        def __init__(self, name, model, opts=None):
            super().__init__(ModelVersionProvider(), name, {"model": model, "alias": "live"}, opts)
''')

MAIN_SOURCE = textwrap.dedent('''
    import pulumi
    import pulumi_gcp as gcp
    from providers import ModelVersion

    class ServedModel(pulumi.ComponentResource):
        def __init__(self, name, dataset, opts=None):
            super().__init__("bench:serving:ServedModel", name, None, opts)
            child = pulumi.ResourceOptions(parent=self)
            endpoint = gcp.vertex.AiEndpoint(f"{name}-endpoint", name=name, display_name=name,
                location="europe-west4", labels={"model": name}, opts=child)
            ModelVersion(f"{name}-version", name, opts=child)
            gcp.logging.Metric(f"{name}-errors", name=f"{name}-errors",
                filter=f'resource.labels.endpoint_id="{name}" severity>=ERROR', opts=child)
            gcp.monitoring.AlertPolicy(f"{name}-latency", display_name=f"{name} p99", combiner="OR",
                conditions=[{"display_name": "p99", "condition_threshold": {
                    "filter": 'metric.type="aiplatform.googleapis.com/prediction/online/prediction_latencies"',
                    "comparison": "COMPARISON_GT", "threshold_value": 2000, "duration": "300s"}}], opts=child)
            gcp.bigquery.DatasetIamMember(f"{name}-logs-writer", dataset_id=dataset.dataset_id,
                role="roles/bigquery.dataEditor", member=f"serviceAccount:{name}@example.iam.gserviceaccount.com",
                opts=child)
            self.register_outputs({"endpoint": endpoint.name})

    count = pulumi.Config().require_int("models")
    bucket = gcp.storage.Bucket("artifacts", location="EU", uniform_bucket_level_access=True)
    dataset = gcp.bigquery.Dataset("logs", dataset_id="logs", location="EU")
    for index in range(count):
        ServedModel(f"model-{index:04d}", dataset)
    pulumi.export("bucket", bucket.name)
''')


def resources_for(models: int) -> int:
    """How many resources the snapshot of `models` served models holds."""
    return 6 * models + 5


def stack_name(models: int) -> str:
    return f"n{models}"


def write_scaling_project(root: Path, sizes: list[int]) -> Path:
    """Write the project under `root` with one stack `n<size>` per size; returns `root`."""
    (root / "program").mkdir(parents=True, exist_ok=True)
    (root / "program" / "__main__.py").write_text(MAIN_SOURCE)
    (root / "program" / "providers.py").write_text(PROVIDERS_SOURCE)  # dynamic providers live in modules
    (root / "Pulumi.yaml").write_text("name: bench\nruntime: python\nmain: program/\n")
    for size in sizes:
        (root / f"Pulumi.{stack_name(size)}.yaml").write_text(
            f"config:\n  gcp:project: bench\n  bench:models: {size}\n"
        )
    return root
