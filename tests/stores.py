"""Fresh stores for tests: a temp SQLite directory, or a PostgreSQL database made and dropped here.

PostgreSQL and Redis run on the development machines and in CI (`make services` starts them);
a test that needs one and cannot reach it fails, it never skips.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg

PG_ADMIN_URL = os.environ.get("ROASTNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ROASTNET_TEST_REDIS", "redis://127.0.0.1:6379/15")


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """Create an empty database, yield its URL, drop it (and its connections) afterwards."""
    name = f"roastnet_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_prefix() -> str:
    """A queue name of its own for one test (keys in Redis database 15)."""
    return f"roastnet-test-{uuid.uuid4().hex[:12]}"
