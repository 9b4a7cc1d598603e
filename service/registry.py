"""The model store: SQLite in the data directory, one active model, fresh across workers.

Models are immutable and named by their content, so a worker caches each one it loads for good;
only the active id and deletions change, and ``PRAGMA data_version`` tells a worker cheaply
whether any other connection has committed since it last looked.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.settings import RegistryError, ensure_writable
from service.stored import COLUMNS, BrokenModel, NewModel, StoredModel, dumps, load

log = logging.getLogger("roastnet.registry")
CACHE_SIZE = 128  # models kept loaded per worker (about 0.1 MB each with their explainers)

SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT UNIQUE,
    source TEXT NOT NULL CHECK (source IN ('recipe', 'import')),
    recipe TEXT,
    weights TEXT NOT NULL,
    metrics TEXT,
    loss_curve TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class UnknownModel(LookupError):
    pass


class Registry:
    """SQLite-backed models; safe to share between threads and between gunicorn workers."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "registry.sqlite3"
        ensure_writable(Path(data_dir))
        self._local = threading.local()
        self._cache: OrderedDict[str, StoredModel] = OrderedDict()  # least recently used first
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()
        self._version: int | None = None
        self._active: str | None = None
        try:
            with self.exclusive():  # workers start together; WAL and the schema are set up once
                self._conn().executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise RegistryError(f"cannot open the registry at {self.path}: {exc}") from exc

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold an advisory lock on the data directory, so that one process sets up at a time."""
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __repr__(self) -> str:
        return f"Registry({str(self.path)!r}, active={self._active!r})"

    # ---- connections ----------------------------------------------------------------------

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

    def _write(self) -> _Transaction:
        return _Transaction(self._conn())

    # ---- freshness --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Notice commits by other workers: re-read the active id and forget deleted models."""
        version = self._conn().execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return
        with self._lock:
            self._version = version
            row = self._conn().execute("SELECT value FROM state WHERE key = 'active'").fetchone()
            self._active = row[0] if row else None
            ids = {r[0] for r in self._conn().execute("SELECT id FROM models")}
            for gone in [i for i in self._cache if i not in ids]:
                del self._cache[gone]
            self._names.clear()

    # ---- reading ----------------------------------------------------------------------------

    @property
    def active_id(self) -> str | None:
        self.refresh()
        return self._active

    def active(self) -> StoredModel:
        self.refresh()
        if self._active is None:
            raise UnknownModel("no active model")
        return self._get(self._active)

    def resolve(self, ref: str) -> str:
        """Return the id of the model with id or name ``ref``."""
        self.refresh()
        return self._resolve(ref)

    def _resolve(self, ref: str) -> str:
        if ref in self._cache:
            return ref
        if ref in self._names:
            return self._names[ref]
        row = self._conn().execute(
            "SELECT id FROM models WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
            (ref, ref, ref)).fetchone()
        if row is None:
            raise UnknownModel(ref)
        if row[0] != ref:
            self._names[ref] = row[0]
        return row[0]

    def get(self, ref: str) -> StoredModel:
        """Return the model with id or name ``ref``; UnknownModel or BrokenModel otherwise."""
        self.refresh()
        return self._get(ref)

    def _get(self, ref: str) -> StoredModel:
        model_id = self._resolve(ref)
        cached = self._cache.get(model_id)
        if cached is not None:
            self._cache.move_to_end(model_id)
            return cached
        row = self._conn().execute(f"SELECT {COLUMNS} FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise UnknownModel(ref)
        model = load(row)
        self._cache[model_id] = model
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return model

    def exists(self, model_id: str) -> bool:
        return self._conn().execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is not None

    def summaries(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Return one page of models, newest first, each marked usable or not, and the total."""
        self.refresh()
        conn = self._conn()
        total = conn.execute("SELECT count(*) FROM models").fetchone()[0]
        rows = conn.execute(f"SELECT {COLUMNS} FROM models ORDER BY seq DESC LIMIT ? OFFSET ?",
                            (limit, offset)).fetchall()
        return [self._summary(row) for row in rows], total

    def _summary(self, row: tuple) -> dict[str, Any]:
        model_id, name, source, recipe, _, metrics, _, created_at = row
        summary: dict[str, Any] = {"id": model_id, "name": name, "source": source,
                                   "recipe": None, "metrics": None, "active": model_id == self._active,
                                   "created_at": created_at, "usable": True, "problem": None}
        try:
            model = self._cache.get(model_id) or load(row)
            summary["recipe"], summary["metrics"] = model.recipe, model.metrics
        except BrokenModel as exc:
            summary["usable"], summary["problem"] = False, str(exc)
        return summary

    # ---- writing ----------------------------------------------------------------------------

    def add(self, models: list[NewModel], activate: str | None = None) -> list[bool]:
        """Store models in one transaction (all or none); return whether each one is new."""
        created = []
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._write() as db:
            for m in models:
                cur = db.execute(
                    f"INSERT INTO models ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    (m.id, m.name, m.source, dumps(m.recipe), dumps(m.network.to_dict()),
                     dumps(m.metrics), dumps(m.loss_curve), now))
                created.append(cur.rowcount == 1)
            if activate is not None:
                db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('active', ?)", (activate,))
        if activate is not None:
            self._active = activate
        return created

    def name_taken(self, name: str) -> bool:
        return self._conn().execute("SELECT 1 FROM models WHERE name = ?", (name,)).fetchone() is not None

    def activate(self, ref: str) -> str:
        """Make a model active; refuse one that does not load."""
        model = self.get(ref)
        with self._write() as db:
            if db.execute("SELECT 1 FROM models WHERE id = ?", (model.id,)).fetchone() is None:
                raise UnknownModel(ref)
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('active', ?)", (model.id,))
        self._active = model.id
        return model.id

    def delete(self, ref: str) -> str:
        """Delete a model that is not active; return its id. Raises ValueError for the active one."""
        model_id = self.resolve(ref)
        with self._write() as db:
            row = db.execute("SELECT value FROM state WHERE key = 'active'").fetchone()
            if row and row[0] == model_id:
                raise ValueError(model_id)
            if db.execute("DELETE FROM models WHERE id = ?", (model_id,)).rowcount == 0:
                raise UnknownModel(ref)
        self._cache.pop(model_id, None)
        self._names.clear()
        return model_id

    def backup(self, target: Path) -> None:
        """Copy the registry to ``target`` with SQLite's online backup: safe while serving."""
        target = Path(target)
        tmp = target.with_name(target.name + ".partial")
        with sqlite3.connect(tmp) as dest:
            self._conn().backup(dest)
        dest.close()
        tmp.replace(target)  # a backup file is whole or absent

    def set_active_if_missing(self, fallback: str) -> str | None:
        """Keep the active model if it loads; otherwise activate ``fallback``. Return what changed."""
        active = self.active_id
        if active is not None:
            try:
                self.get(active)
                return None
            except (UnknownModel, BrokenModel) as exc:
                log.warning("active model %s does not load (%s); falling back to %s",
                            active, exc, fallback)
        self.activate(fallback)
        return fallback


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: a model is stored whole or not at all."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
