"""Google-managed service agents: the e-mail each API's agent has in a project, from the project number.

One table for the program (IAM grants to agents) and the offline synth (which answers an agent's e-mail
without asking Google).
"""

from __future__ import annotations

AGENT_DOMAINS = {
    "storage.googleapis.com": "gs-project-accounts.iam.gserviceaccount.com",
    "pubsub.googleapis.com": "gcp-sa-pubsub.iam.gserviceaccount.com",
    "aiplatform.googleapis.com": "gcp-sa-aiplatform.iam.gserviceaccount.com",
    "artifactregistry.googleapis.com": "gcp-sa-artifactregistry.iam.gserviceaccount.com",
    "monitoring.googleapis.com": "gcp-sa-monitoring-notification.iam.gserviceaccount.com",
    "run.googleapis.com": "serverless-robot-prod.iam.gserviceaccount.com",
    "cloudfunctions.googleapis.com": "gcf-admin-robot.iam.gserviceaccount.com",
}
BIGQUERY_API = "bigquery.googleapis.com"


def agent_email(api: str, project_number: str) -> str:
    """`service-<number>@<domain>`; BigQuery's encryption agent is `bq-<number>@bigquery-encryption...`."""
    if api == BIGQUERY_API:
        return f"bq-{project_number}@bigquery-encryption.iam.gserviceaccount.com"
    return f"service-{project_number}@{AGENT_DOMAINS[api]}"
