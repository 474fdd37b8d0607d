"""What the serving gateway adds to a prediction's latency (run by hand; no test asserts timings).

Starts a loopback `:predict` endpoint (tests/fakes/predict_server.py) and `mlops serve --local` in front of it,
each in its own process, then sends the same questions alternately straight to the endpoint and through the
gateway (one request at a time, a fresh connection each, as the gateway itself calls the endpoint) and
prints p50 / p99 of both, the gateway's overhead in milliseconds and the ratio.

    .venv/bin/python benchmarks/gateway_benchmark.py [--requests 500] [--env dev]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FAKE = """
import sys, time
from tests.fakes.predict_server import PredictServer
server = PredictServer().start()
server.deploy(sys.argv[1], "assistant", "1")
print(server.base_url, flush=True)
time.sleep(10**9)
"""


def post(url: str, path: str, payload: dict[str, object]) -> float:
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
    started = time.perf_counter()
    conn.request("POST", path, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise SystemExit(f"POST {url}{path} answered {response.status}: {body[:300]!r}")
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--env", default="dev")
    args = parser.parse_args()

    from infra.cli.serve import endpoint_resource
    from infra.config.loader import load_environment
    from infra.layout import Project

    cfg = load_environment(args.env, Project.at(REPO))
    endpoint = endpoint_resource(cfg)
    fake = subprocess.Popen([sys.executable, "-c", FAKE, endpoint], cwd=REPO, stdout=subprocess.PIPE, text=True)
    gateway = None
    try:
        assert fake.stdout is not None
        fake_url = fake.stdout.readline().strip()
        gateway = subprocess.Popen(
            [sys.executable, "-m", "infra.cli.app", "serve", "--env", args.env, "--local",
             "--endpoint-url", fake_url, "--port", "0"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        assert gateway.stderr is not None
        line = gateway.stderr.readline()
        gateway_url = line.split(" listening on ", 1)[1].split()[0]
        predict_path = f"/v1/{endpoint}:predict"
        direct: list[float] = []
        through: list[float] = []
        for i in range(20):  # warm both paths
            post(fake_url, predict_path, {"instances": [{"question": f"warm {i}", "context": ""}]})
            post(gateway_url, "/v1/answer", {"question": f"warm {i}"})
        for i in range(args.requests):
            question = f"How do I reset my password? ({i})"
            if i % 2:
                through.append(post(gateway_url, "/v1/answer", {"question": question}))
                direct.append(post(fake_url, predict_path, {"instances": [{"question": question, "context": ""}]}))
            else:
                direct.append(post(fake_url, predict_path, {"instances": [{"question": question, "context": ""}]}))
                through.append(post(gateway_url, "/v1/answer", {"question": question}))
    finally:
        for proc in (gateway, fake):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)

    rows = []
    for name, values in (("direct :predict", direct), ("through the gateway", through)):
        rows.append((name, statistics.median(values) * 1000, percentile(values, 0.99) * 1000))
    print(f"{args.requests} requests each, interleaved, one at a time, fresh connection per request")
    print(f"{'path':<22}{'p50 ms':>10}{'p99 ms':>10}")
    for name, p50, p99 in rows:
        print(f"{name:<22}{p50:>10.2f}{p99:>10.2f}")
    (_, d50, d99), (_, g50, g99) = rows
    print(f"gateway overhead: p50 +{g50 - d50:.2f} ms ({g50 / d50:.2f}x), p99 +{g99 - d99:.2f} ms ({g99 / d99:.2f}x)")


if __name__ == "__main__":
    main()
