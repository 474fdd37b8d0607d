"""The contracts `infra`, `pipelines` and `serving` share, so that none of them imports another.

Errors a user can fix, atomic file writes, the evaluation metric names, the summary log key and the BigQuery
table schemas: each is written once here and read by every side that depends on it.
"""
