"""The serving gateway: one answer for every question, from the model when it works, from a fallback when not.

An application calls the gateway (`POST /v1/answer`) instead of the Vertex AI endpoint. The gateway calls the
endpoint's `:predict` REST API with a deadline and a retry budget, treats empty, malformed, blocked or late
predictions as failures, and walks the environment's fallback chain (another model version, then the rules
file shipped with the release, then a canned message). A circuit breaker stops calling a failing model for a
cool-down. Standard library only (plus PyYAML for the rules file), so the gateway image stays small.
"""
