"""A problem found in a rule pack or a check schema, located to file, line and pointer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class LintProblem:
    """One problem: ``rules/x.yaml:12:5: /checks/0/severity: <what was expected>``."""

    file: Path
    line: int
    column: int
    pointer: str
    message: str

    def __str__(self) -> str:
        where = f"{display_path(self.file)}:{self.line}:{self.column}"
        return f"{where}: {self.pointer or '/'}: {self.message}"

    def to_json(self) -> dict[str, object]:
        """A plain mapping, for ``rules lint --json``."""
        return {
            "file": str(self.file),
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "message": self.message,
        }
