"""The model store over any SQL database: one active model, loaded models cached, fresh across processes.

Models are immutable and named by their content, so a process caches each one it loads for good;
only the active id and deletions change. ``_version()`` tells cheaply whether any other
connection has changed the models since this one last looked (each store says how).
SQL is written once with ``?`` placeholders; a store whose driver wants another style converts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from model.snapshots import Snapshots
from model.trajectory import Trajectory, trace
from service.registry.jobs import JobStore, now_iso
from service.stored import COLUMNS, BrokenModel, NewModel, StoredModel, dumps, load

if TYPE_CHECKING:
    from service.answers import ModelSummary

log = logging.getLogger("roastnet.registry")
CACHE_SIZE = 128  # models kept loaded per process (about 0.1 MB each with their explainers)
TRAJECTORY_CACHE_SIZE = 16  # trajectories kept read per process (about 0.1 MB each)


class UnknownModel(LookupError):
    """No model has this id or name; ``ref`` None: no model is active."""

    def __init__(self, ref: str | None) -> None:
        super().__init__(ref or "no active model")
        self.ref = ref


class ModelIsActive(Exception):
    """The active model cannot be deleted."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


class Registry(JobStore):
    """Models in SQL tables ``models`` and ``state`` (and jobs: JobStore); subclasses bring the
    connection."""

    kind = "sql"
    errors: tuple[type[Exception], ...] = ()  # what the driver raises when the store fails

    def __init__(self) -> None:
        self._cache: OrderedDict[str, StoredModel] = OrderedDict()  # least recently used first
        self._trajectories: OrderedDict[str, Trajectory] = OrderedDict()
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()
        # The store's version as this thread's connection last saw it. SQLite's data_version is
        # a counter per connection, and each thread of a worker has its own connection, so one
        # thread's reading says nothing about another's.
        self._seen = threading.local()
        self._active: str | None = None

    # ---- what a store provides --------------------------------------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one read and return its rows."""
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """Return a context whose value has ``execute(sql, params)`` → cursor; all or nothing."""
        raise NotImplementedError

    def _version_now(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold a lock shared by every process on this store, so that one sets up at a time."""
        raise NotImplementedError

    def backup(self, target: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Give back what the store holds open (a connection pool); nothing for SQLite."""

    def _changed(self, db: Any) -> None:
        """Bump the version row inside a write that changed the models or the active id."""
        db.execute("UPDATE state SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) "
                   "WHERE key = 'version'")
        self._seen.version = None  # re-read here too: a connection's own commits move no data_version

    # ---- freshness --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Notice commits by other processes: re-read the active id and forget deleted models."""
        version = self._version_now()
        if version == getattr(self._seen, "version", None):
            return
        with self._lock:
            self._seen.version = version
            rows = self.query("SELECT value FROM state WHERE key = 'active'")
            self._active = rows[0][0] if rows else None
            ids = {r[0] for r in self.query("SELECT id FROM models")}
            for gone in [i for i in list(self._cache) if i not in ids]:
                self._cache.pop(gone, None)
            self._names.clear()

    # ---- reading ----------------------------------------------------------------------------

    @property
    def active_id(self) -> str | None:
        self.refresh()
        return self._active

    def active(self) -> StoredModel:
        self.refresh()
        if self._active is None:
            raise UnknownModel(None)
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
        rows = self.query("SELECT id FROM models WHERE id = ? OR name = ? "
                          "ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1", (ref, ref, ref))
        if not rows:
            raise UnknownModel(ref)
        if rows[0][0] != ref:
            self._names[ref] = rows[0][0]
        return rows[0][0]

    def get(self, ref: str) -> StoredModel:
        """Return the model with id or name ``ref``; UnknownModel or BrokenModel otherwise."""
        self.refresh()
        return self._get(ref)

    def _get(self, ref: str) -> StoredModel:
        model_id = self._resolve(ref)
        cached = self._cache.get(model_id)
        if cached is not None:
            # another thread of this worker may have forgotten it meanwhile; try costs less
            # than suppress(), a context manager on every request
            try:  # noqa: SIM105
                self._cache.move_to_end(model_id)
            except KeyError:
                pass
            return cached
        rows = self.query(f"SELECT {COLUMNS} FROM models WHERE id = ?", (model_id,))
        if not rows:
            raise UnknownModel(ref)
        model = load(tuple(rows[0]))
        self._cache[model_id] = model
        if len(self._cache) > CACHE_SIZE:
            with suppress(KeyError):  # another thread made room first
                self._cache.popitem(last=False)
        return model

    def exists(self, model_id: str) -> bool:
        return bool(self.query("SELECT 1 FROM models WHERE id = ?", (model_id,)))

    def snapshots(self, model_id: str) -> Snapshots | None:
        """Return a model's training snapshots; None when it has none (imports, older models)."""
        rows = self.query("SELECT snapshots FROM trajectories WHERE model_id = ?", (model_id,))
        return Snapshots.from_dict(orjson.loads(rows[0][0])) if rows else None

    def trajectory(self, model: StoredModel) -> Trajectory | None:
        """Return how a model's units moved while it trained; None when it kept no snapshots."""
        with self._lock:
            cached = self._trajectories.get(model.id)
        if cached is not None:
            return cached
        snapshots = self.snapshots(model.id)
        if snapshots is None or model.recipe is None:
            return None
        traced = trace(snapshots, model.recipe["data_seed"], model.recipe["samples"])
        with self._lock:
            self._trajectories[model.id] = traced
            if len(self._trajectories) > TRAJECTORY_CACHE_SIZE:
                self._trajectories.popitem(last=False)
        return traced

    def name_taken(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM models WHERE name = ?", (name,)))

    def summaries(self, limit: int, offset: int) -> tuple[list[ModelSummary], int]:
        """Return one page of models, newest first, each marked usable or not, and the total."""
        self.refresh()
        total = self.query("SELECT count(*) FROM models")[0][0]
        rows = self.query(f"SELECT {COLUMNS} FROM models ORDER BY seq DESC LIMIT ? OFFSET ?",
                          (limit, offset))
        return [self._summary(tuple(row)) for row in rows], total

    def _summary(self, row: tuple[Any, ...]) -> ModelSummary:
        model_id, name, source, recipe, _, metrics, _, created_at = row
        summary: ModelSummary = {"id": model_id, "name": name, "source": source,
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
        with self.transaction() as db:
            created = self.insert(db, models, activate)
        if activate is not None:
            self._active = activate
        return created

    def insert(self, db: Any, models: list[NewModel], activate: str | None = None) -> list[bool]:
        """Store models inside the caller's transaction ``db``; return whether each one is new."""
        created = []
        now = now_iso()
        for m in models:
            cur = db.execute(
                f"INSERT INTO models ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (m.id, m.name, m.source, dumps(m.recipe), dumps(m.network.to_dict()),
                 dumps(m.metrics), dumps(m.loss_curve), now))
            created.append(cur.rowcount == 1)
            if m.snapshots is not None and created[-1]:
                db.execute("INSERT INTO trajectories (model_id, snapshots) VALUES (?, ?) "
                           "ON CONFLICT (model_id) DO NOTHING", (m.id, dumps(m.snapshots.to_dict())))
        if activate is not None:
            self._set_active(db, activate)
        if any(created) or activate is not None:
            self._changed(db)
        return created

    def _set_active(self, db: Any, model_id: str) -> None:
        db.execute("INSERT INTO state (key, value) VALUES ('active', ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (model_id,))

    def activate(self, ref: str) -> str:
        """Make a model active; refuse one that does not load."""
        model = self.get(ref)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM models WHERE id = ?", (model.id,)).fetchone() is None:
                raise UnknownModel(ref)
            self._set_active(db, model.id)
            self._changed(db)
        self._active = model.id
        return model.id

    def delete(self, ref: str) -> str:
        """Delete a model that is not active; return its id. Raises ModelIsActive for the active one."""
        model_id = self.resolve(ref)
        with self.transaction() as db:
            row = db.execute("SELECT value FROM state WHERE key = 'active'").fetchone()
            if row and row[0] == model_id:
                raise ModelIsActive(ref)
            if db.execute("DELETE FROM models WHERE id = ?", (model_id,)).rowcount == 0:
                raise UnknownModel(ref)
            db.execute("DELETE FROM trajectories WHERE model_id = ?", (model_id,))
            self._changed(db)
        self._cache.pop(model_id, None)
        self._trajectories.pop(model_id, None)
        self._names.clear()
        return model_id

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
