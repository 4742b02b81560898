"""The embedded PostgreSQL + PostGIS cluster that conflict-gis runs by default.

It lives in ``CONFLICT_GIS_HOME`` (default ``./.conflict-gis``): ``pgdata/`` (the cluster),
``run/`` (the unix socket), ``postgres.log`` and ``credentials`` (the password used for TCP).
It listens on its unix socket only, unless started with ``listen=True`` (127.0.0.1:port).

PostgreSQL refuses to run as root, so when the caller is root the server runs as the
``postgres`` system user (created by Debian's postgresql packages) and the folders are
handed to that user.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from gis_core.errors import DatabaseNotRunningError, GisCoreError, MissingDependencyError

DEFAULT_PORT = 55432
DEFAULT_DBNAME = "conflict_gis"
SUPERUSER = "postgres"
SERVER_OS_USER = "postgres"
REQUIRED_EXTENSIONS = ("postgis", "btree_gist", "pg_trgm", "unaccent")
INSTALL_HINT = (
    "Run 'make setup' (it installs them), or by hand: "
    "apt-get install postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting"
)
# A unix socket path may hold at most 107 bytes; keep a margin for ".s.PGSQL.NNNNN".
MAX_SOCKET_DIR_LEN = 90


def find_bindir() -> Path:
    """The folder of the newest installed PostgreSQL server binaries (``PG_BINDIR`` overrides)."""
    env = os.environ.get("PG_BINDIR")
    if env:
        candidates = [Path(env)]
    else:
        found = Path("/usr/lib/postgresql").glob("*/bin")
        candidates = sorted(found, key=lambda p: _version_key(p.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "postgres").exists() and (bindir / "initdb").exists():
            return bindir
    raise MissingDependencyError(f"PostgreSQL server binaries (initdb, postgres) were not found. {INSTALL_HINT}")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name)) or (0,)


def extension_dir(bindir: Path) -> Path:
    """The folder holding the ``*.control`` files of the server's extensions."""
    out = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip()) / "extension"
    return Path("/usr/share/postgresql") / bindir.parent.name / "extension"


def check_extensions(bindir: Path) -> None:
    """Raise MissingDependencyError naming every required extension that is not installed."""
    ext = extension_dir(bindir)
    missing = [name for name in REQUIRED_EXTENSIONS if not (ext / f"{name}.control").exists()]
    if missing:
        raise MissingDependencyError(
            f"PostgreSQL extension(s) not installed: {', '.join(missing)} (looked in {ext}). {INSTALL_HINT}"
        )


@dataclass
class Cluster:
    """One embedded cluster, rooted at ``home``."""

    home: Path
    port: int = DEFAULT_PORT
    dbname: str = DEFAULT_DBNAME
    # Tests trade durability for speed; a user's cluster keeps fsync on.
    durable: bool = True
    bindir: Path = field(default_factory=find_bindir)

    def __post_init__(self) -> None:
        self.home = Path(self.home).resolve()

    @classmethod
    def default(cls) -> "Cluster":
        """The cluster named by ``CONFLICT_GIS_HOME`` / ``CONFLICT_GIS_PORT`` (defaults: ./.conflict-gis, 55432)."""
        home = Path(os.environ.get("CONFLICT_GIS_HOME", ".conflict-gis"))
        port = int(os.environ.get("CONFLICT_GIS_PORT", DEFAULT_PORT))
        return cls(home=home, port=port)

    # -- paths ---------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        local = self.home / "run"
        if len(str(local)) <= MAX_SOCKET_DIR_LEN:
            return local
        # Deep project folders overflow the socket path limit: use a short folder named after home.
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"conflict-gis-{digest}"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials"

    # -- state ---------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialized():
            return False
        result = self._pg_ctl("status", check=False)
        return result.returncode == 0

    def listening_tcp(self) -> bool:
        opts = self.data_dir / "postmaster.opts"
        return opts.exists() and "127.0.0.1" in opts.read_text()

    # -- lifecycle -----------------------------------------------------------------------
    def init(self) -> None:
        """Create the cluster (initdb) if it does not exist yet."""
        check_extensions(self.bindir)
        if self.initialized():
            return
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o755)
        for folder in (self.data_dir, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._hand_over(self.data_dir, self.socket_dir)
        self._check_reachable(self.data_dir)
        password = secrets.token_urlsafe(24)
        self.credentials_file.write_text(password + "\n")
        os.chmod(self.credentials_file, 0o600)
        pwfile = self.home / ".initdb-pw"
        pwfile.write_text(password + "\n")
        self._hand_over(pwfile)
        try:
            self._run_server_tool(
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8", "--locale=C.UTF-8",
                "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        settings = [
            "# conflict-gis embedded cluster",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.socket_dir}'",
            "listen_addresses = ''",
            "shared_buffers = 512MB",
            "work_mem = 64MB",
            "maintenance_work_mem = 512MB",
            "max_wal_size = 4GB",
            "random_page_cost = 1.1",
        ]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n" + "\n".join(settings) + "\n")

    def start(self, *, listen: bool = False) -> None:
        """Initialise if needed, start the server, and create the project database if missing."""
        self.init()
        if self.running():
            if listen and not self.listening_tcp():
                raise GisCoreError(
                    "the embedded database is running without TCP. "
                    "Run 'conflict-gis db stop' then 'conflict-gis db start --listen'."
                )
            self.ensure_database()
            return
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        self._hand_over(self.socket_dir, self.log_file)
        # postgresql.conf keeps the server socket-only; TCP is opened for this run only when asked.
        extra = ["-o", "-c listen_addresses=127.0.0.1"] if listen else []
        result = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_file), *extra, check=False)
        if result.returncode != 0:
            tail = self.log_tail()
            raise DatabaseNotRunningError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}).\n{result.stderr.strip()}\n"
                f"Last lines of {self.log_file}:\n{tail}"
            )
        self.ensure_database()

    def stop(self) -> bool:
        """Stop the server; False if it was not running."""
        if not self.running():
            return False
        self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        return True

    def ensure_database(self, dbname: str | None = None) -> None:
        """Create the database (and nothing else) if it does not exist."""
        import psycopg
        from psycopg import sql

        name = dbname or self.dbname
        with psycopg.connect(self.url(dbname="postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    # -- connection strings ----------------------------------------------------------------
    def url(self, *, dbname: str | None = None, user: str = SUPERUSER, tcp: bool = False) -> str:
        """A libpq URI that psql, psycopg, ogr2ogr (``PG:<uri>``) and QGIS accept."""
        name = dbname or self.dbname
        if tcp:
            password = quote(self.password(), safe="") if user == SUPERUSER else ""
            auth = f"{user}:{password}" if password else user
            return f"postgresql://{auth}@127.0.0.1:{self.port}/{name}"
        return f"postgresql://{user}@/{name}?host={quote(str(self.socket_dir), safe='/')}&port={self.port}"

    def password(self) -> str:
        try:
            return self.credentials_file.read_text().strip()
        except FileNotFoundError:
            raise DatabaseNotRunningError(
                f"no credentials in {self.home}: run 'conflict-gis db start' first"
            ) from None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log yet)"

    # -- plumbing ---------------------------------------------------------------------------
    def _as_server_user(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        if shutil.which("runuser") is None:
            raise MissingDependencyError("running as root needs 'runuser' (util-linux) to start PostgreSQL")
        return ["runuser", "-u", SERVER_OS_USER, "--", *argv]

    def _run_server_tool(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = self._as_server_user([str(self.bindir / tool), *args])
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise GisCoreError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
        return result

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run_server_tool("pg_ctl", "-D", str(self.data_dir), *args, check=check)

    def _hand_over(self, *paths: Path) -> None:
        """Give folders/files to the server's system user when we are root."""
        if os.geteuid() != 0:
            return
        try:
            entry = pwd.getpwnam(SERVER_OS_USER)
        except KeyError:
            raise MissingDependencyError(
                f"running as root needs the '{SERVER_OS_USER}' system user, which Debian's postgresql "
                f"package creates. {INSTALL_HINT}"
            ) from None
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _check_reachable(self, path: Path) -> None:
        """As root, every parent folder must let the server user through, or initdb fails obscurely."""
        if os.geteuid() != 0:
            return
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH and parent.stat().st_uid != pwd.getpwnam(SERVER_OS_USER).pw_uid:
                raise GisCoreError(
                    f"the server runs as '{SERVER_OS_USER}', who cannot enter {parent} (mode {oct(mode & 0o777)}). "
                    f"Fix: chmod o+x {parent}, or set CONFLICT_GIS_HOME to a folder under a path it can enter."
                )
