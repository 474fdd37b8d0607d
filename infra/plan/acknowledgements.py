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
from pathlib import Path
from typing import Any, Final

import yaml

from contracts.errors import Problem, UserInputError
from infra.diff.danger import Danger

FILE_NAME: Final = "acknowledgements.yaml"
CHANGES: Final = ("replace", "delete", "grant")
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
        return (f"found {reason!r}; expected a written reason of at least {MIN_REASON_WORDS} words "
                "(why the change is safe)")
    return None


def parse_acknowledgements(document: Any, source: str) -> list[Acknowledgement]:
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) - {"acknowledgements"}:
        raise UserInputError.single(source, "", "expected a mapping with one key, `acknowledgements: [...]`")
    entries = document.get("acknowledgements") or []
    if not isinstance(entries, list):
        raise UserInputError.single(source, "acknowledgements", "expected a list of {resource, change, reason}")
    problems: list[Problem] = []
    found: list[Acknowledgement] = []
    for index, entry in enumerate(entries):
        where = f"acknowledgements[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(source, where, "expected a mapping with resource, change and reason"))
            continue
        before = len(problems)
        unknown = sorted(set(entry) - {"resource", "change", "stacks", "reason"})
        if unknown:
            allowed = "resource, change, stacks, reason"
            problems.append(Problem(source, where, f"unknown keys {unknown}; allowed: {allowed}"))
        resource, change, stacks = entry.get("resource"), entry.get("change"), entry.get("stacks") or []
        if not isinstance(resource, str) or not resource.strip():
            problems.append(Problem(source, f"{where}.resource", "expected the resource's logical name or URN"))
        if change is not None and change not in CHANGES:
            expected = ", ".join(CHANGES)
            problems.append(Problem(source, f"{where}.change", f"found {change!r}; expected one of {expected}"))
        if not isinstance(stacks, list) or not all(isinstance(s, str) for s in stacks):
            problems.append(Problem(source, f"{where}.stacks", "expected a list of stack names, e.g. [prod]"))
        reason_problem = _reason_problem(entry.get("reason"))
        if reason_problem:
            problems.append(Problem(source, f"{where}.reason", reason_problem))
        if len(problems) == before:
            found.append(Acknowledgement(str(resource), " ".join(str(entry["reason"]).split()), change,
                                         tuple(stacks), source))
    if problems:
        raise UserInputError(problems, "invalid acknowledgements")
    return found


def load_acknowledgements(stack_config_dir: Path) -> list[Acknowledgement]:
    """The acknowledgements file of the project (none when it does not exist)."""
    file = stack_config_dir / FILE_NAME
    if not file.is_file():
        return []
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserInputError.single(str(file), "", f"not valid YAML ({exc}); fix the syntax") from None
    return parse_acknowledgements(document, str(file))


def parse_flag(text: str) -> Acknowledgement:
    """`--acknowledge RESOURCE=REASON` (every change of RESOURCE, in every stack)."""
    resource, _, reason = text.partition("=")
    problem = _reason_problem(reason) if resource.strip() else "expected RESOURCE=REASON"
    if problem:
        raise UserInputError.single("--acknowledge", text, f"{problem}; e.g. --acknowledge 'NAME=why it is safe'")
    return Acknowledgement(resource.strip(), " ".join(reason.split()), source="--acknowledge")
