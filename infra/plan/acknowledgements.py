"""Written acknowledgements of dangerous changes: without one, a dangerous change fails `mlops plan`.

They live in the pull request itself, in the tracked file `<stack config dir>/acknowledgements.yaml`
(`environments/acknowledgements.yaml`), or come from `--acknowledge RESOURCE=REASON`:

```yaml
acknowledgements:
  - resource: genai-prod-data-datasets     # logical name or URN
    change: replace                        # replace | delete | grant
    stacks: [prod]                         # optional; default every stack
    reason: The bucket moves region; its objects were copied with storage transfer job 1234.
```

Every acknowledgement is listed in the report, and one that matched nothing is reported as stale, so the
file is emptied again once the change has merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from contracts.errors import Problem, UserInputError
from contracts.yamlfile import describe, read_yaml_mapping
from infra.diff.danger import Danger
from infra.layout import Project

FILE_NAME: Final = "acknowledgements.yaml"
CHANGES: Final = ("replace", "delete", "grant")
KEYS: Final = ("resource", "change", "stacks", "reason")
MIN_REASON_WORDS: Final = 4


@dataclass(frozen=True)
class Acknowledgement:
    resource: str
    reason: str
    change: str | None = None  # None: any dangerous change of the resource
    stacks: tuple[str, ...] = ()  # empty: every stack
    source: str = ""

    def covers(self, danger: Danger) -> bool:
        if self.stacks and danger.stack not in self.stacks:
            return False
        if self.change is not None and self.change != danger.change:
            return False
        return self.resource in (danger.urn, danger.name)


def _reason_problem(reason: Any) -> str | None:
    if not isinstance(reason, str) or len(reason.split()) < MIN_REASON_WORDS:
        shown = describe(reason) if not isinstance(reason, str) else repr(reason)
        return f"found {shown}; expected a written reason of at least {MIN_REASON_WORDS} words (why the change is safe)"
    return None


def parse_acknowledgements(document: Any, source: str) -> list[Acknowledgement]:
    """Validate an acknowledgements document; every problem is reported at once with its key path."""
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) - {"acknowledgements"}:
        found = describe(document) if not isinstance(document, dict) else f"keys {sorted(map(str, document))}"
        raise UserInputError.single(
            source, "", f"found {found}; expected a mapping with one key, `acknowledgements: [...]`"
        )
    entries = document.get("acknowledgements")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise UserInputError.single(
            source, "acknowledgements", f"found {describe(entries)}; expected a list of {{resource, change, reason}}"
        )
    problems: list[Problem] = []
    parsed = [
        _parse_entry(entry, f"acknowledgements[{index}]", source, problems) for index, entry in enumerate(entries)
    ]
    if problems:
        raise UserInputError(problems, "invalid acknowledgements")
    return [ack for ack in parsed if ack is not None]


def _parse_entry(entry: Any, where: str, source: str, problems: list[Problem]) -> Acknowledgement | None:
    if not isinstance(entry, dict):
        problems.append(
            Problem(source, where, f"found {describe(entry)}; expected a mapping with resource, change and reason")
        )
        return None
    before = len(problems)
    unknown = sorted(str(key) for key in entry if key not in KEYS)
    if unknown:
        problems.append(Problem(source, where, f"unknown keys {unknown}; allowed: {', '.join(KEYS)}"))
    resource, change, stacks = entry.get("resource"), entry.get("change"), entry.get("stacks")
    if not isinstance(resource, str) or not resource.strip():
        problems.append(
            Problem(
                source, f"{where}.resource", f"found {describe(resource)}; expected the resource's logical name or URN"
            )
        )
    if change is not None and (not isinstance(change, str) or change not in CHANGES):
        shown = repr(change) if isinstance(change, str) else describe(change)
        problems.append(Problem(source, f"{where}.change", f"found {shown}; expected one of {', '.join(CHANGES)}"))
    if stacks is not None and (not isinstance(stacks, list) or not all(isinstance(s, str) for s in stacks)):
        problems.append(
            Problem(source, f"{where}.stacks", f"found {describe(stacks)}; expected a list of stack names, e.g. [prod]")
        )
    reason_problem = _reason_problem(entry.get("reason"))
    if reason_problem:
        problems.append(Problem(source, f"{where}.reason", reason_problem))
    if len(problems) > before:
        return None
    reason = " ".join(str(entry["reason"]).split())
    return Acknowledgement(str(resource), reason, change, tuple(stacks or ()), source)


def load_acknowledgements(project: Project) -> list[Acknowledgement]:
    """The project's acknowledgements file (`<stack config dir>/acknowledgements.yaml`; none when absent),
    read as YAML 1.2 with repeated keys refused."""
    file = project.environments_dir / FILE_NAME
    if not file.is_file():
        return []
    return parse_acknowledgements(read_yaml_mapping(file), str(file))


def parse_flag(text: str) -> Acknowledgement:
    """`--acknowledge RESOURCE=REASON` (every change of RESOURCE, in every stack)."""
    resource, _, reason = text.partition("=")
    problem = _reason_problem(reason) if resource.strip() else "expected RESOURCE=REASON"
    if problem:
        raise UserInputError.single("--acknowledge", text, f"{problem}; e.g. --acknowledge 'NAME=why it is safe'")
    return Acknowledgement(resource.strip(), " ".join(reason.split()), source="--acknowledge")
