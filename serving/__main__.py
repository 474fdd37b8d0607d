"""The container's entrypoint: `python -m serving` serves the gateway on $PORT until SIGTERM.

Settings come from `GATEWAY_*` environment variables (or the file `GATEWAY_CONFIG_FILE` names), as the
platform's Gateway component writes them (`serving/settings.py`). Bad settings or an unusable rules file
exit 2 with one line per problem on stderr, naming the variable or the file's key path and the fix: Cloud
Run then shows the reason in the revision's logs instead of a traceback. SIGTERM (Cloud Run's stop signal,
sent once the instance gets no new requests) stops the listener, lets the requests in flight finish (each
within the gateway's deadline, inside Cloud Run's 10-second grace) and exits 0.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TextIO

from serving.answer_log import JsonLineSink
from serving.gateway import Gateway
from serving.metadata_token import MetadataTokenSource
from serving.predict import PredictClient
from serving.rules import RuleBook, RulesError, load_rules
from serving.server import GatewayServer
from serving.settings import RULES_FILE, RuntimeSettings, SettingsError, from_environment

EXIT_INVALID = 2


def build_server(settings: RuntimeSettings, environ: Mapping[str, str]) -> GatewayServer:
    """The server `settings` describe; raises SettingsError / RulesError / OSError (port in use)."""
    rules: RuleBook | None = None
    if "rules" in settings.gateway.fallback:
        rules = load_rules(Path(settings.rules_file))
    token = MetadataTokenSource(environ) if settings.auth == "metadata" else None
    try:
        client = PredictClient(settings.target, token)
    except ValueError as exc:
        raise SettingsError([str(exc)]) from None
    gateway = Gateway(settings.gateway, client, rules, JsonLineSink())
    return GatewayServer(gateway, settings.host, settings.port, drain=True)


def main(environ: Mapping[str, str] | None = None, err: TextIO | None = None) -> int:
    environ = os.environ if environ is None else environ
    err = sys.stderr if err is None else err
    try:
        settings = from_environment(environ)
        server = build_server(settings, environ)
    except SettingsError as exc:
        return _invalid(err, "invalid gateway settings", exc.problems)
    except RulesError as exc:
        return _invalid(err, f"invalid rules file {exc.path} ({RULES_FILE})", exc.problems)
    except OSError as exc:
        return _invalid(err, "cannot listen", [f"{settings.host}:{settings.port}: {exc.strerror or exc}"])

    stopping = threading.Thread(target=server.stop, name="gateway-stop")

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on the serving thread
        if not stopping.is_alive() and stopping.ident is None:
            stopping.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"gateway of {settings.gateway.env} listening on {server.url} -> {settings.target.base_url} "
        f"{settings.target.endpoint} (auth {settings.auth}, canary {str(settings.gateway.canary).lower()})",
        file=err,
        flush=True,
    )
    server.serve_forever()
    stopping.join()  # the listener is closed once every request in flight has its answer
    return 0


def _invalid(err: TextIO, summary: str, problems: list[str]) -> int:
    print(f"error: {summary}:", file=err)
    for problem in problems:
        print(f"  {problem}", file=err)
    err.flush()
    return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
