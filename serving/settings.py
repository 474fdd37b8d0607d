"""The gateway's runtime settings as a container receives them: environment variables, or a mounted file.

Cloud Run passes configuration as environment variables; the platform's Gateway component writes them with
`environment_of` and the container reads them back with `from_environment`, so both sides share one list
of names. `GATEWAY_CONFIG_FILE` may name a mounted JSON file holding the same settings under the same names
(a ConfigMap or secret volume); a variable that is set wins over the file. Every problem is reported at once,
naming the variable, the value found and what is expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from serving.breaker import BreakerSettings
from serving.gateway import GatewaySettings, Stage
from serving.predict import EndpointTarget

Auth = Literal["metadata", "none"]
AUTH_MODES: tuple[Auth, ...] = ("metadata", "none")
FALLBACK_STAGES = ("previous", "rules", "canned")

ENV = "GATEWAY_ENV"
ENDPOINT = "GATEWAY_ENDPOINT"
API_URL = "GATEWAY_API_URL"
AUTH = "GATEWAY_AUTH"
FALLBACK = "GATEWAY_FALLBACK"
DEADLINE_MS = "GATEWAY_DEADLINE_MS"
ATTEMPT_TIMEOUT_MS = "GATEWAY_ATTEMPT_TIMEOUT_MS"
RETRIES = "GATEWAY_RETRIES"
BACKOFF_MS = "GATEWAY_BACKOFF_MS"
BREAKER_FAILURES = "GATEWAY_BREAKER_FAILURES"
BREAKER_COOL_DOWN_SECONDS = "GATEWAY_BREAKER_COOL_DOWN_SECONDS"
CANARY = "GATEWAY_CANARY"
CANNED_ANSWER = "GATEWAY_CANNED_ANSWER"
RULES_FILE = "GATEWAY_RULES_FILE"
CONFIG_FILE = "GATEWAY_CONFIG_FILE"
HOST = "GATEWAY_HOST"
PORT = "PORT"
"""Set by Cloud Run to the port the container must listen on."""

DEFAULT_PORT = 8080
DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - a container listens on every interface; Cloud Run's ingress decides reach
DEFAULT_RULES_FILE = "serving/rules/assistant.yaml"


class SettingsError(Exception):
    """The container's configuration is unusable; `problems` are `VARIABLE: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class RuntimeSettings:
    """Everything the entrypoint needs: how to answer, where the endpoint is, how to authenticate, where to
    listen. auth: `metadata` (tokens of the service's own identity from the metadata server, the default for
    an https API) or `none` (a loopback endpoint). rules_file: relative to the working directory."""

    gateway: GatewaySettings
    target: EndpointTarget
    auth: Auth = "metadata"
    rules_file: str = DEFAULT_RULES_FILE
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT


def regional_api_url(endpoint: str) -> str:
    """Vertex AI's regional API for `projects/P/locations/L/endpoints/E`."""
    parts = endpoint.split("/")
    return f"https://{parts[3]}-aiplatform.googleapis.com"


def environment_of(settings: RuntimeSettings) -> dict[str, str]:
    """The variables a container needs to run with `settings` (host and port are the platform's)."""
    g = settings.gateway
    return {
        ENV: g.env,
        ENDPOINT: settings.target.endpoint,
        API_URL: settings.target.base_url,
        AUTH: settings.auth,
        FALLBACK: ",".join(g.fallback),
        DEADLINE_MS: str(round(g.deadline_seconds * 1000)),
        ATTEMPT_TIMEOUT_MS: str(round(g.attempt_timeout_seconds * 1000)),
        RETRIES: str(g.retries),
        BACKOFF_MS: str(round(g.backoff_seconds * 1000)),
        BREAKER_FAILURES: str(g.breaker.failures),
        BREAKER_COOL_DOWN_SECONDS: _number_text(g.breaker.cool_down_seconds),
        CANARY: "true" if g.canary else "false",
        CANNED_ANSWER: g.canned_answer,
        RULES_FILE: settings.rules_file,
    }


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _Reader:
    """Reads variables from the environment over the mounted file, collecting every problem."""

    def __init__(self, environ: Mapping[str, str], file_values: Mapping[str, str]) -> None:
        self.values = {**file_values, **{k: v for k, v in environ.items() if k.startswith("GATEWAY_") or k == PORT}}
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str:
        value = self.values.get(name)
        if value is None or value == "":
            if default is None:
                self.problems.append(f"{name}: is not set; {_EXPECTED[name]}")
                return ""
            return default
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            self.problems.append(f"{name}: found {raw!r}; expected a whole number from {low} to {high}")
            return default
        return value

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            value = low - 1
        if not low < value <= high:
            self.problems.append(f"{name}: found {raw!r}; expected a number above {low:g} and at most {high:g}")
            return default
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(name, default)
        if value not in allowed:
            self.problems.append(f"{name}: found {value!r}; expected one of {', '.join(allowed)}")
            return default
        return value


_EXPECTED = {
    ENV: "expected the environment's name, e.g. dev",
    ENDPOINT: "expected the endpoint's resource name projects/PROJECT/locations/REGION/endpoints/ID",
}


def _file_values(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    path = environ.get(CONFIG_FILE)
    if not path:
        return {}, []
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return {}, [f"{CONFIG_FILE}: {path} cannot be read ({exc.strerror}); mount the file or unset the variable"]
    except ValueError as exc:
        return {}, [f"{CONFIG_FILE}: {path} is not JSON ({exc}); write an object of GATEWAY_* names to strings"]
    if not isinstance(data, dict):
        return {}, [f"{CONFIG_FILE}: {path} holds a JSON {type(data).__name__}; expected an object"]
    problems = [
        f"{CONFIG_FILE}: {path}: {key}: found {value!r}; expected a string"
        for key, value in sorted(data.items())
        if not isinstance(value, str)
    ]
    problems += [
        f"{CONFIG_FILE}: {path}: {key}: unknown setting; the settings are {', '.join(sorted(_KNOWN))}"
        for key in sorted(data)
        if key not in _KNOWN
    ]
    return {k: v for k, v in data.items() if isinstance(v, str) and k in _KNOWN}, problems


_KNOWN = frozenset(
    {ENV, ENDPOINT, API_URL, AUTH, FALLBACK, DEADLINE_MS, ATTEMPT_TIMEOUT_MS, RETRIES, BACKOFF_MS,
     BREAKER_FAILURES, BREAKER_COOL_DOWN_SECONDS, CANARY, CANNED_ANSWER, RULES_FILE, HOST, PORT}
)


def _fallback(read: _Reader) -> tuple[Stage, ...]:
    raw = read.text(FALLBACK, ",".join(FALLBACK_STAGES))
    stages = [s.strip() for s in raw.split(",") if s.strip()]
    if not stages or stages[-1] != "canned" or len(set(stages)) != len(stages) or set(stages) - set(FALLBACK_STAGES):
        read.problems.append(
            f"{FALLBACK}: found {raw!r}; expected distinct stages from {', '.join(FALLBACK_STAGES)} separated by "
            "commas, ending with canned (e.g. previous,rules,canned)"
        )
        return cast(tuple[Stage, ...], FALLBACK_STAGES)
    return cast(tuple[Stage, ...], tuple(stages))


def _endpoint(read: _Reader) -> str:
    endpoint = read.text(ENDPOINT)
    parts = endpoint.split("/")
    if endpoint and (len(parts) != 6 or parts[0::2] != ["projects", "locations", "endpoints"] or "" in parts):
        read.problems.append(f"{ENDPOINT}: found {endpoint!r}; {_EXPECTED[ENDPOINT]}")
    return endpoint


def from_environment(environ: Mapping[str, str]) -> RuntimeSettings:
    """The settings in `environ` (and the file `GATEWAY_CONFIG_FILE` names), or SettingsError listing all
    problems."""
    file_values, problems = _file_values(environ)
    read = _Reader(environ, file_values)
    read.problems += problems
    env = read.text(ENV)
    endpoint = _endpoint(read)
    api_url = read.text(API_URL, regional_api_url(endpoint) if not read.problems and endpoint else "https://invalid")
    if not api_url.startswith(("http://", "https://")):
        read.problems.append(f"{API_URL}: found {api_url!r}; expected http(s)://host[:port]")
    auth = read.choice(AUTH, AUTH_MODES, "metadata" if api_url.startswith("https://") else "none")
    gateway = _gateway(read, env)
    rules_file = read.text(RULES_FILE, DEFAULT_RULES_FILE)
    host = read.text(HOST, DEFAULT_HOST)
    port = read.integer(PORT, DEFAULT_PORT, 1, 65535)
    if read.problems or gateway is None:
        raise SettingsError(read.problems)
    return RuntimeSettings(
        gateway=gateway,
        target=EndpointTarget(api_url, endpoint),
        auth=cast(Auth, auth),
        rules_file=rules_file,
        host=host,
        port=port,
    )


def _gateway(read: _Reader, env: str) -> GatewaySettings | None:
    """The fallback chain's settings; None when a value was refused (the reader holds the problem)."""
    deadline_ms = read.integer(DEADLINE_MS, 8000, 100, 120_000)
    attempt_ms = read.integer(ATTEMPT_TIMEOUT_MS, 3000, 50, 120_000)
    if attempt_ms > deadline_ms:
        read.problems.append(
            f"{ATTEMPT_TIMEOUT_MS}: found {attempt_ms}; expected at most {DEADLINE_MS} ({deadline_ms})"
        )
    settings = GatewaySettings(
        env=env or "-",
        fallback=_fallback(read),
        deadline_seconds=deadline_ms / 1000,
        attempt_timeout_seconds=attempt_ms / 1000,
        retries=read.integer(RETRIES, 1, 0, 5),
        backoff_seconds=read.integer(BACKOFF_MS, 100, 0, 10_000) / 1000,
        breaker=BreakerSettings(
            failures=read.integer(BREAKER_FAILURES, 5, 1, 1000),
            cool_down_seconds=read.number(BREAKER_COOL_DOWN_SECONDS, 30.0, 0.0, 3600.0),
        ),
        canned_answer=read.text(CANNED_ANSWER, GatewaySettings(env="-").canned_answer),
        canary=read.choice(CANARY, ("true", "false"), "false") == "true",
    )
    return None if read.problems else settings
