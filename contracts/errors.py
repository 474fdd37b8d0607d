"""Errors a user can fix: the CLI turns them into a message and exit code 2, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with user input: where it is, what was found, what is expected."""

    file: str
    key_path: str
    message: str

    def render(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.message}"


@dataclass
class UserInputError(Exception):
    """Invalid user input (config, manifest, snapshot, arguments); carries every problem found at once."""

    problems: list[Problem] = field(default_factory=list)
    summary: str = "invalid input"

    def __str__(self) -> str:
        lines = [f"{self.summary} ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)

    @classmethod
    def single(cls, file: str, key_path: str, message: str, summary: str = "invalid input") -> UserInputError:
        return cls([Problem(file, key_path, message)], summary)
