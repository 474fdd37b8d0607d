"""Guardrails as code: rules that run inside a CrossGuard policy pack and offline against snapshots.

`policies.rules` holds one rule per file, grouped by service; `policies.discovery` finds them,
`policies.engine` evaluates them against a synth snapshot, `policies.pack` wraps them for CrossGuard.
"""
