"""What loading and validating an environment costs, and what the strict reader's two speed choices save
(run by hand; no test asserts timings).

`mlops validate` and every program run read the stack file, defaults.yaml and the release manifest. This
measures, alternately in one process:
- parsing those files with the strict reader on libyaml (what ships) vs the same rules on PyYAML's pure-Python
  parser;
- the manifest's time-zone check with the cached zone list (what ships) vs listing the tz database per call;
- one whole `load_environment` + `find_manifest`, for scale.

    .venv/bin/python benchmarks/config_benchmark.py [--rounds 50] [--env dev]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from contracts.yamlfile import StrictLoader  # noqa: E402
from infra.config.loader import load_environment  # noqa: E402
from infra.layout import Project  # noqa: E402
from infra.release.store import find_manifest  # noqa: E402
from infra.release.validators import time_zone_rule  # noqa: E402


class PurePythonStrictLoader(yaml.SafeLoader):
    """The same resolvers and constructors as StrictLoader, on PyYAML's pure-Python parser."""

    yaml_implicit_resolvers = StrictLoader.yaml_implicit_resolvers
    yaml_constructors = StrictLoader.yaml_constructors


def median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--env", default="dev")
    args = parser.parse_args()
    env_dir = REPO / "environments"
    texts = [(env_dir / name).read_text() for name in (f"Pulumi.{args.env}.yaml", "defaults.yaml",
                                                        f"release.{args.env}.yaml")]

    def parse(loader: type[yaml.SafeLoader]) -> Callable[[], object]:
        return lambda: [yaml.load(text, Loader=loader) for text in texts]  # both are safe loaders

    assert parse(StrictLoader)() == parse(PurePythonStrictLoader)(), "both loaders must read the same data"
    zone = "Europe/Amsterdam"
    rows = []
    for label, shipped, alternative in (
        ("parse 3 files (libyaml vs pure Python)", parse(StrictLoader), parse(PurePythonStrictLoader)),
        ("time-zone check (cached vs per call)", lambda: time_zone_rule(zone),
         lambda: zone in zoneinfo.available_timezones()),
    ):
        a_times, b_times = [], []
        for _ in range(3):  # alternate, so load on the machine hits both sides alike
            a_times.append(median_ms(shipped, args.rounds))
            b_times.append(median_ms(alternative, args.rounds))
        a, b = statistics.median(a_times), statistics.median(b_times)
        rows.append((label, a, b))
    project = Project.at(REPO)
    whole = median_ms(lambda: find_manifest(args.env, load_environment(args.env, project), project), args.rounds)
    for label, a, b in rows:
        print(f"{label:42s} shipped {a * 1000:10.1f} us  alternative {b * 1000:10.1f} us  ratio {b / a:8.0f}x")
    print(f"{'load_environment + find_manifest':42s} shipped {whole * 1000:10.1f} us")


if __name__ == "__main__":
    main()
