"""The registry on PostgreSQL, shared by any number of API replicas and trainers (psycopg 3, pooled).

Freshness: every change to the models or the active id bumps the ``version`` row in the same
transaction, and each request compares it (one indexed read on a pooled connection, about
0.1 ms on loopback). A replica so sees an activation elsewhere on its very next request, which
LISTEN/NOTIFY would only promise after a listener thread had woken.
"""

from __future__ import annotations

import os
import subprocess
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import psycopg_pool

from service.registry.base import Registry
from service.registry.migrate import upgrade
from service.settings import RegistryError

LOCK_KEY = zlib.crc32(b"roastnet.registry")  # the advisory lock taken while one process sets up


class PostgresRegistry(Registry):
    kind = "postgresql"
    errors = (psycopg.Error, psycopg_pool.PoolTimeout)

    def __init__(self, url: str, pool_size: int = 4) -> None:
        super().__init__()
        self.url = url
        try:
            self.pool = psycopg_pool.ConnectionPool(
                url, min_size=1, max_size=pool_size, open=True, timeout=10,
                kwargs={"autocommit": True}, name="roastnet")
            self.pool.wait(timeout=10)
            with self.exclusive():
                upgrade(_sqlalchemy_url(url), self._revision())
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise RegistryError(f"cannot open the registry at {_safe(url)}: {exc}") from exc

    def __repr__(self) -> str:
        return f"PostgresRegistry({_safe(self.url)!r}, active={self._active!r})"

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def _revision(self) -> str | None:
        rows = self.query("SELECT to_regclass('alembic_version') IS NOT NULL")
        if not rows[0][0]:
            return None
        rows = self.query("SELECT version_num FROM alembic_version")
        return rows[0][0] if rows else None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[_Conn]:
        with self.pool.connection() as conn, conn.transaction():
            yield _Conn(conn)

    def _version_now(self) -> str | None:
        rows = self.query("SELECT value FROM state WHERE key = 'version'")
        return rows[0][0] if rows else None

    def backup(self, target: Path) -> None:
        """Dump the database with pg_dump (custom format; pg_restore reads it back)."""
        target = Path(target)
        tmp = target.with_name(target.name + ".partial")
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={tmp}",
                               f"--dbname={self.url}"], capture_output=True, text=True,
                              env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise RegistryError(f"pg_dump failed: {done.stderr.strip()}")
        tmp.replace(target)


class _Conn:
    """A connection inside a transaction that takes the registry's ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()) -> psycopg.Cursor:
        return self.conn.execute(sql.replace("?", "%s"), params)


def _sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, _, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    return f"{scheme}://{creds.split(':')[0]}@{host}" if at else url
