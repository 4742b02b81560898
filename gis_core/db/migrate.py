"""The migration runner: ``sql/migrations/NNNN_name.sql`` applied in order, once each.

Each file runs in its own transaction and is recorded in ``public.schema_migrations`` with
its SHA-256; running again applies nothing; a recorded file whose content changed is
refused. A file whose first line is ``-- migrate: no-transaction`` runs outside a
transaction (needed by ``CREATE INDEX CONCURRENTLY``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from gis_core.errors import MigrationError, MissingMigrationError
from gis_core.paths import MIGRATIONS_DIR

NAME_PATTERN = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
NO_TRANSACTION = "-- migrate: no-transaction"
# Any constant works: it only has to be the same for every migrating process.
ADVISORY_LOCK_KEY = 7_314_159_265

BOOKKEEPING_SQL = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    name        text PRIMARY KEY,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text NOT NULL DEFAULT current_user
)
"""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def transactional(self) -> bool:
        return not self.sql.lstrip().startswith(NO_TRANSACTION)


def discover(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in order; a misnamed file or a duplicated number is an error."""
    migrations: list[Migration] = []
    numbers: dict[str, str] = {}
    for path in sorted(folder.glob("*.sql")):
        match = NAME_PATTERN.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_lowercase_name.sql")
        if match.group(1) in numbers:
            raise MigrationError(f"{path.name} and {numbers[match.group(1)]} share the number {match.group(1)}")
        numbers[match.group(1)] = path.name
        migrations.append(Migration(path.name, path.read_text(encoding="utf-8")))
    return migrations


def applied(conn: psycopg.Connection) -> dict[str, str]:
    """Applied migration names and their recorded checksums ({} on an empty database)."""
    exists = conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()
    if not exists or exists[0] is None:
        return {}
    return dict(conn.execute("SELECT name, checksum FROM public.schema_migrations").fetchall())


def pending(conn: psycopg.Connection, folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations not applied yet. Raises MigrationError if an applied file was edited."""
    done = applied(conn)
    todo: list[Migration] = []
    for migration in discover(folder):
        recorded = done.get(migration.name)
        if recorded is None:
            todo.append(migration)
        elif recorded != migration.checksum:
            raise MigrationError(
                f"{migration.name} was applied with checksum {recorded[:12]}… but the file now has "
                f"{migration.checksum[:12]}…. Applied migrations are append-only: restore the file and put "
                "the change in a new migration."
            )
    return todo


def require_current(conn: psycopg.Connection, folder: Path = MIGRATIONS_DIR) -> None:
    """Raise MissingMigrationError when the schema is behind the code."""
    todo = pending(conn, folder)
    if todo:
        raise MissingMigrationError([m.name for m in todo])


def migrate(url: str, folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date)."""
    done: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(BOOKKEEPING_SQL)
            for migration in pending(conn, folder):
                _apply(conn, migration)
                done.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return done


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    record = "INSERT INTO public.schema_migrations (name, checksum) VALUES (%s, %s)"
    try:
        if migration.transactional:
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(record, (migration.name, migration.checksum))
        else:
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute(record, (migration.name, migration.checksum))
    except psycopg.Error as exc:
        diag = exc.diag
        detail = diag.message_primary or str(exc)
        where = f" near character {diag.statement_position}" if diag.statement_position else ""
        undone = "nothing of it was applied" if migration.transactional else "it ran outside a transaction: check what it left"
        raise MigrationError(f"migration {migration.name} failed{where}: {detail}; {undone}.") from None
