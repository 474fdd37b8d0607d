"""Where a project's files are: the one scope object found at the edge and passed down.

A command finds the project once (`Project.find()` walks up from the current directory to the nearest
`Pulumi.yaml`, as `pulumi` and `git` do) and hands the `Project` to everything below it; no module computes the
repository root itself, so an installed `mlops` acts on the checkout it runs in, never on its install tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from contracts.errors import UserInputError

PROJECT_FILE = "Pulumi.yaml"
RELEASE_MANIFEST_PREFIX = "release."
RELEASE_HISTORY_DIR = "releases"
PROMOTION_ORDER = ("dev", "staging", "prod")


@dataclass(frozen=True)
class Project:
    """A checkout of this platform: `root` holds `Pulumi.yaml`; the rest is derived from it."""

    root: Path

    @classmethod
    def at(cls, directory: Path | str) -> Project:
        """The project whose `Pulumi.yaml` is in `directory` (a user error when it is not there)."""
        root = Path(directory).expanduser().resolve()
        if not (root / PROJECT_FILE).is_file():
            raise UserInputError.single(
                "--project-dir",
                "",
                f"no {PROJECT_FILE} in {root}; pass the directory that holds the project's {PROJECT_FILE}",
            )
        return cls(root)

    @classmethod
    def find(cls, start: Path | str | None = None) -> Project:
        """The nearest project at or above `start` (default: the current directory)."""
        here = Path(start if start is not None else Path.cwd()).expanduser().resolve()
        for directory in (here, *here.parents):
            if (directory / PROJECT_FILE).is_file():
                return cls(directory)
        raise UserInputError.single(
            str(here),
            "",
            f"no {PROJECT_FILE} here or in any parent directory; run inside a project checkout "
            "or pass --project-dir DIR",
        )

    @property
    def pulumi_yaml(self) -> Path:
        return self.root / PROJECT_FILE

    @cached_property
    def environments_dir(self) -> Path:
        """The stack config directory named by `Pulumi.yaml`'s `stackConfigDir` (the root when unset)."""
        from contracts.yamlfile import read_yaml_mapping

        document = read_yaml_mapping(self.pulumi_yaml)
        return self.root / str(document.get("stackConfigDir") or ".")

    @cached_property
    def program_dir(self) -> Path:
        """The program directory named by `Pulumi.yaml`'s `main` (the root when unset), resolved."""
        from contracts.yamlfile import read_yaml_mapping

        document = read_yaml_mapping(self.pulumi_yaml)
        return (self.root / str(document.get("main") or ".")).resolve()

    def stack_file(self, env: str) -> Path:
        return self.environments_dir / f"Pulumi.{env}.yaml"

    def release_manifest(self, env: str) -> Path:
        return self.environments_dir / f"{RELEASE_MANIFEST_PREFIX}{env}.yaml"

    def release_history(self, env: str) -> Path:
        return self.environments_dir / RELEASE_HISTORY_DIR / env

    def environments(self) -> list[str]:
        """Stack names with a stack file, in promotion order (dev, staging, prod first, then the rest sorted)."""
        names = [p.name[len("Pulumi.") : -len(".yaml")] for p in self.environments_dir.glob("Pulumi.*.yaml")]
        order = {name: i for i, name in enumerate(PROMOTION_ORDER)}
        return sorted(names, key=lambda n: (order.get(n, len(order)), n))

    def display(self, path: Path | str) -> str:
        """`path` as a message shows it (`relative_to_cwd`)."""
        return relative_to_cwd(path)


def relative_to_cwd(path: Path | str) -> str:
    """`path` as a message shows it: relative to the current directory when under it, else (and for the current
    directory itself, which "." would hide) as given."""
    target = Path(path)
    try:
        relative = os.path.relpath(target.resolve(), Path.cwd())
    except ValueError:  # another drive
        return str(target)
    return str(target) if relative == "." or relative.startswith("..") else relative
