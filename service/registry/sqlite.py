"""The registry in one SQLite file in the data directory (WAL mode, synchronous=FULL)."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from service.registry.base import Registry
from service.registry.migrate import upgrade
from service.settings import RegistryError, ensure_writable


class SqliteRegistry(Registry):
    """SQLite-backed models and jobs; safe to share between threads and between gunicorn workers.

    ``PRAGMA data_version`` changes when any other connection commits, so a worker notices an
    activation elsewhere with one cheap call per request.
    """

    kind = "sqlite"
    errors = (sqlite3.Error,)

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.path = Path(data_dir) / "registry.sqlite3"
        ensure_writable(Path(data_dir))
        self._local = threading.local()
        try:
            with self.exclusive():  # workers start together; WAL and the schema are set up once
                self._conn()
                upgrade(f"sqlite:///{self.path}", self._revision())
        except sqlite3.Error as exc:
            raise RegistryError(f"cannot open the registry at {self.path}: {exc}") from exc

    def __repr__(self) -> str:
        return f"SqliteRegistry({str(self.path)!r}, active={self._active!r})"

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                   check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    def _revision(self) -> str | None:
        try:
            rows = self.query("SELECT version_num FROM alembic_version")
        except sqlite3.OperationalError:
            return None
        return rows[0][0] if rows else None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, params).fetchall()

    def transaction(self) -> _Transaction:
        return _Transaction(self._conn())

    def _version_now(self) -> int:
        # Job progress commits change data_version too; a refresh then re-reads two small results.
        return self._conn().execute("PRAGMA data_version").fetchone()[0]

    def backup(self, target: Path) -> None:
        """Copy the registry to ``target`` with SQLite's online backup: safe while serving."""
        target = Path(target)
        tmp = target.with_name(target.name + ".partial")
        with sqlite3.connect(tmp) as dest:
            self._conn().backup(dest)
        dest.close()
        tmp.replace(target)  # a backup file is whole or absent


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: a model is stored whole or not at all."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
