"""Shared validation for the importers: header checks, row problems and the errors the CLI shows.

Row-level checks run set-based in SQL (``sql/queries/ingest/*_normalise.sql``): each refused row carries
``problems``, a list of ``field<US>value<US>expected`` strings. This module turns them into messages that
name the file, the row (or record, or feature), the field, the value and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gis_core.errors import GisCoreError, IngestRowError

SEP = "\x1f"
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input row."""

    file: str
    unit: str  # "row" (CSV, the header is row 1), "record" (JSON, 0-based), "feature" (GeoJSON, 0-based)
    row: int | None
    field: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", {self.unit} {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: got {self.value!r}; expected {self.expected}"


def problems_from_sql(file: str, unit: str, row_no: int, encoded: Iterable[str]) -> list[Problem]:
    """Decode the ``problems`` array of one refused row."""
    out = []
    for item in encoded:
        field, value, expected = (item.split(SEP) + ["", "", ""])[:3]
        out.append(Problem(file, unit, row_no, field or None, value, expected))
    return out


class IngestFileError(IngestRowError):
    """The file as a whole cannot be read (missing columns, not CSV, not JSON, bad encoding). Exit code 2."""

    def __init__(self, file: str, row: int | None, field: str | None, value: object, expected: str, *, unit: str = "row"):
        super().__init__(file, row, field, value, expected)
        self.args = (str(Problem(file, unit, row, field, value, expected)),)

    def __str__(self) -> str:
        return self.args[0]


class IngestRejected(GisCoreError):
    """Some rows were refused and the import wrote nothing (all or nothing). Exit code 2."""

    exit_code = 2

    def __init__(self, file: str, rejected: int, total: int, problems: Sequence[Problem], *, quarantine_hint: bool = True):
        self.file, self.rejected, self.total, self.problems = file, rejected, total, list(problems)
        lines = [f"{file}: {rejected} of {total} row(s) refused; nothing was written (all or nothing)."]
        lines += [f"  {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if rejected > len({(p.row) for p in self.problems[:SHOWN_PROBLEMS]}):
            lines.append(f"  … and more: {rejected} row(s) in all.")
        if quarantine_hint:
            lines.append("Fix these rows, or run again with --quarantine to load the valid rows and keep the refused ones "
                         "(with their reasons) in conflict.ingest_quarantine; --dry-run checks without writing.")
        super().__init__("\n".join(lines))


def check_header(file: str, header: Sequence[str], *, required: Sequence[str], what: str, unit: str = "row") -> None:
    """Refuse a header that lacks required columns (naming them) or repeats a column."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise IngestFileError(file, 1 if unit == "row" else None, name, name,
                                  f"each column once in the header of {what}", unit=unit)
        seen.add(name)
    missing = [c for c in required if c not in seen]
    if missing:
        raise IngestFileError(
            file, 1 if unit == "row" else None, None, ", ".join(header[:8]) + (" …" if len(header) > 8 else ""),
            f"the header of {what}; missing column(s): {', '.join(missing)}", unit=unit)
