"""The container's settings: what the platform writes reads back the same; bad values are all named at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serving import settings as s
from serving.breaker import BreakerSettings
from serving.gateway import GatewaySettings
from serving.predict import EndpointTarget

from .conftest import ENDPOINT

MINIMAL = {s.ENV: "dev", s.ENDPOINT: ENDPOINT}


def test_the_minimal_settings_call_the_regional_api_with_the_identity_s_tokens() -> None:
    runtime = s.from_environment(MINIMAL)
    assert runtime.target == EndpointTarget("https://europe-west4-aiplatform.googleapis.com", ENDPOINT)
    assert (runtime.auth, runtime.host, runtime.port, runtime.rules_file) == (
        "metadata", s.DEFAULT_HOST, 8080, "serving/rules/assistant.yaml"
    )
    assert runtime.gateway == GatewaySettings(env="dev")


def test_a_loopback_api_needs_no_token_and_port_comes_from_cloud_run() -> None:
    runtime = s.from_environment({**MINIMAL, s.API_URL: "http://127.0.0.1:9", s.PORT: "9090"})
    assert (runtime.auth, runtime.port) == ("none", 9090)


def test_what_the_platform_writes_reads_back_as_the_same_settings() -> None:
    written = s.RuntimeSettings(
        gateway=GatewaySettings(
            env="prod",
            fallback=("rules", "canned"),
            deadline_seconds=4.5,
            attempt_timeout_seconds=1.5,
            retries=2,
            backoff_seconds=0.25,
            breaker=BreakerSettings(failures=7, cool_down_seconds=12.5),
            canned_answer="Try later.",
            canary=True,
        ),
        target=EndpointTarget("https://europe-west4-aiplatform.googleapis.com", ENDPOINT),
        rules_file="serving/rules/other.yaml",
    )
    environ = s.environment_of(written)
    assert all(isinstance(v, str) and v for v in environ.values())
    assert s.from_environment(environ) == written


def test_every_bad_value_is_named_with_what_is_expected() -> None:
    with pytest.raises(s.SettingsError) as raised:
        s.from_environment(
            {
                s.ENDPOINT: "endpoints/42",
                s.FALLBACK: "rules,previous",
                s.RETRIES: "many",
                s.CANARY: "yes",
                s.BREAKER_COOL_DOWN_SECONDS: "0",
                s.PORT: "70000",
            }
        )
    problems = raised.value.problems
    assert [p.split(":", 1)[0] for p in problems] == [
        s.ENV, s.ENDPOINT, s.FALLBACK, s.RETRIES, s.BREAKER_COOL_DOWN_SECONDS, s.CANARY, s.PORT
    ]
    assert "found 'rules,previous'" in problems[2]
    assert "ending with canned" in problems[2]
    assert "found 'many'; expected a whole number from 0 to 5" in problems[3]


def test_the_attempt_timeout_must_fit_the_deadline() -> None:
    with pytest.raises(s.SettingsError, match="GATEWAY_ATTEMPT_TIMEOUT_MS: found 5000; expected at most"):
        s.from_environment({**MINIMAL, s.DEADLINE_MS: "1000", s.ATTEMPT_TIMEOUT_MS: "5000"})


def test_a_mounted_file_gives_settings_and_a_variable_wins_over_it(tmp_path: Path) -> None:
    config = tmp_path / "gateway.json"
    config.write_text(json.dumps({**MINIMAL, s.RETRIES: "3", s.CANARY: "true"}))
    runtime = s.from_environment({s.CONFIG_FILE: str(config), s.RETRIES: "0"})
    assert (runtime.gateway.env, runtime.gateway.retries, runtime.gateway.canary) == ("dev", 0, True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("{not json", "is not JSON"),
        ("[]", "holds a JSON list"),
        ('{"GATEWAY_ENV": 3, "GATEWAY_ENDPOINT": "x"}', "GATEWAY_ENV: found 3; expected a string"),
        ('{"GATEWAY_RETRYS": "1"}', "GATEWAY_RETRYS: unknown setting"),
    ],
)
def test_a_bad_mounted_file_is_named(tmp_path: Path, content: str | None, message: str) -> None:
    config = tmp_path / "gateway.json"
    if content is not None:
        config.write_text(content)
    with pytest.raises(s.SettingsError) as raised:
        s.from_environment({**MINIMAL, s.CONFIG_FILE: str(config)})
    assert any(p.startswith(s.CONFIG_FILE) and message in p for p in raised.value.problems), raised.value.problems
