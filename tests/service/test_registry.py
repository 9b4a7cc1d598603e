"""The registry's contract, run against SQLite and PostgreSQL alike (each test on a fresh store)."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from model.network import lab_network
from model.train import Recipe, train, train_seeds
from service.registry import ModelIsActive, RegistryError, UnknownModel, open_registry
from service.registry.migrate import HEAD, head
from service.registry.sqlite import SqliteRegistry
from service.settings import Settings
from service.stored import BrokenModel, NewModel
from service.training import as_new_model, ensure_defaults
from tests.server import until


@pytest.fixture
def opener(store_env):
    """Open another process's view of the same store."""
    made = []

    def open_():
        settings = Settings(data_dir=Path(store_env["ROASTNET_DATA_DIR"]),
                            database_url=store_env.get("ROASTNET_DATABASE_URL"))
        made.append(open_registry(settings))
        return made[-1]

    yield open_
    for r in made:
        r.close()


@pytest.fixture
def reg(opener):
    r = opener()
    ensure_defaults(r)
    return r


def _write(reg, sql, params=()):
    with reg.transaction() as db:
        db.execute(sql, params)


def test_first_start_stores_default_and_lab(reg):
    assert reg.get("default").recipe["seed"] == 1234
    assert reg.get("lab").id == lab_network().fingerprint()
    assert reg.active().id == Recipe().id
    models, total = reg.summaries(50, 0)
    assert total == 2 and [m["name"] for m in models] == ["lab", "default"]


def test_ids_come_from_content(reg):
    [created] = reg.add([as_new_model(train(Recipe()))])
    assert created is False  # the default recipe is already stored
    assert reg.get(Recipe().id).name == "default"


def test_a_failed_write_stores_nothing(reg):
    good = as_new_model(train(Recipe(seed=1, steps=10)))
    bad = NewModel(id=good.id + "x", source="nonsense", network=good.network, metrics={})
    with pytest.raises(reg.errors):
        reg.add([good, bad])
    assert not reg.exists(good.id)
    assert reg.summaries(50, 0)[1] == 2


def test_another_workers_writes_are_seen(opener):
    a, b = opener(), opener()
    ensure_defaults(a)
    assert b.active().id == a.active().id
    new = as_new_model(train(Recipe(seed=2, steps=10)))
    a.add([new], activate=new.id)
    assert b.active().id == new.id  # noticed on the next call (data_version, or the version row)
    a.activate("lab")
    b.get(new.id)
    a.delete(new.id)
    with pytest.raises(UnknownModel):
        b.get(new.id)


def test_delete_rules(reg):
    with pytest.raises(ModelIsActive):
        reg.delete("default")
    reg.delete("lab")
    with pytest.raises(UnknownModel):
        reg.get("lab")
    with pytest.raises(UnknownModel):
        reg.delete("lab")


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [("weights", "{not json", "unusable"),
     ("weights", '{"W1": [[1, 2]], "b1": [0], "W2": [[1]], "b2": [0], '
                 '"normalization": {"mean": [0, 0], "std": [1, 1]}}', "W1 must have shape"),
     ("weights", '{"W1": [[1], [2]], "b1": [NaN], "W2": [[1]], "b2": [0], '
                 '"normalization": {"mean": [0, 0], "std": [1, 1]}}', "unusable")],
)
def test_a_corrupt_row_is_reported_not_raised(reg, opener, column, value, words):
    lab_id = reg.get("lab").id
    fresh = opener()
    _write(reg, f"UPDATE models SET {column} = ? WHERE name = 'lab'", (value,))
    with pytest.raises(BrokenModel, match=words):
        fresh.get("lab")
    [summary] = [m for m in fresh.summaries(50, 0)[0] if m["id"] == lab_id]
    assert summary["usable"] is False and lab_id in summary["problem"]
    assert fresh.get("default").network is not None


def test_an_unusable_active_model_falls_back_to_default(reg, opener, caplog):
    reg.activate("lab")
    _write(reg, "UPDATE models SET weights = 'garbage' WHERE name = 'lab'")
    fresh = opener()
    ensure_defaults(fresh)
    assert fresh.active().name == "default"
    assert "falling back" in caplog.text


def test_a_data_directory_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RegistryError, match=str(blocker / "data")):
        SqliteRegistry(blocker / "data")


def test_a_worker_keeps_only_the_recently_used_models_loaded(reg, monkeypatch):
    import service.registry.base

    monkeypatch.setattr(service.registry.base, "CACHE_SIZE", 2)
    reg.add([as_new_model(r) for r in train_seeds(Recipe(steps=5), [1, 2, 3])])
    ids = [Recipe(steps=5, seed=s).id for s in (1, 2, 3)]
    for model_id in ids:
        reg.get(model_id)
    assert list(reg._cache) == ids[1:]
    assert reg.get(ids[0]).id == ids[0]  # evicted models load again on demand
    assert list(reg._cache) == [ids[2], ids[0]]


STARTER = """
import os, sys, time
from pathlib import Path
from service.registry import open_registry
from service.settings import Settings
from service.training import ensure_defaults

# A barrier: say ready once imported, then start when the test says go (every process at once).
barrier = Path(sys.argv[1])
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():
    time.sleep(0.001)
ensure_defaults(open_registry(Settings()))
"""


@pytest.mark.parametrize("attempt", range(2))
def test_many_processes_opening_a_new_registry_at_once(store_env, opener, attempt, tmp_path):
    import os
    import subprocess
    import sys

    from tests.server import ROOT

    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {**os.environ, **store_env}
    procs = [subprocess.Popen([sys.executable, "-c", STARTER, str(barrier)], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE) for _ in range(8)]
    until(lambda: len(list(barrier.glob("ready-*"))) == 8 or any(p.poll() is not None for p in procs), 120)
    (barrier / "go").touch()
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    reg = opener()
    assert reg.summaries(50, 0)[1] == 2 and reg.active().name == "default"


def test_the_migration_head_is_the_newest_script():
    assert head() == HEAD


OLD_SCHEMA = """
CREATE TABLE models (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT UNIQUE,
    source TEXT NOT NULL CHECK (source IN ('recipe', 'import')), recipe TEXT, weights TEXT NOT NULL,
    metrics TEXT, loss_curve TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL);
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_a_registry_from_before_migrations_upgrades_in_place(tmp_path):
    old = SqliteRegistry(tmp_path / "new")
    ensure_defaults(old)
    rows = old.query("SELECT id, name, source, recipe, weights, metrics, loss_curve, created_at FROM models")
    path = tmp_path / "old" / "registry.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:  # the schema and rows of a registry made before jobs existed
        db.executescript(OLD_SCHEMA)
        db.executemany("INSERT INTO models (id, name, source, recipe, weights, metrics, loss_curve, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("INSERT INTO state VALUES ('active', ?)", (old.active_id,))
    db.close()
    upgraded = SqliteRegistry(path.parent)
    assert upgraded.query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert upgraded.active().name == "default" and upgraded.summaries(50, 0)[1] == 2
    assert upgraded.jobs(10, 0) == ([], 0)


def test_a_job_is_claimed_once_and_finished_by_its_attempt_only(reg, opener):
    from service.registry import LostJob

    other = opener()
    job = reg.create_job({"seeds": [1]}, seeds_total=1, steps=10)
    attempt = reg.claim(job["id"], "a", lease=30)
    assert attempt == 1 and other.claim(job["id"], "b", lease=30) is None  # delivered twice, runs once
    assert reg.renew(job["id"], 1, 30, {"seeds_done": 0, "step": 5, "steps": 10})
    assert other.job(job["id"])["progress"]["step"] == 5
    with pytest.raises(LostJob), other.transaction() as db:
        other.finish(db, job["id"], 2, {"models": []}, 1)  # not its attempt: rolled back
    with reg.transaction() as db:
        reg.finish(db, job["id"], 1, {"models": []}, 1)
    done = other.job(job["id"])
    assert done["status"] == "succeeded" and done["progress"]["seeds_done"] == 1
    assert not reg.cancel(job["id"])


def test_a_lost_lease_is_run_again_then_failed_with_a_reason(reg):
    job = reg.create_job({"seeds": [1]}, seeds_total=1, steps=10)
    assert reg.claim(job["id"], "gone-1", lease=0.01) == 1
    assert until(lambda: reg.reclaim(max_attempts=2, requeue_after=60), 10, every=0.005) == [job["id"]]
    assert reg.job(job["id"])["status"] == "queued"
    assert not reg.renew(job["id"], 1, 30, {"seeds_done": 0, "step": 1, "steps": 10})  # old owner
    assert reg.claim(job["id"], "gone-2", lease=0.01) == 2
    until(lambda: reg.reclaim(max_attempts=2, requeue_after=60) == []
          and reg.job(job["id"])["status"] == "failed", 10, every=0.005)
    failed = reg.job(job["id"])
    assert failed["status"] == "failed" and failed["problem"]["type"] == "/problems/trainer-lost"
    assert "gone-2" in failed["problem"]["detail"] and "no model" in failed["problem"]["detail"]


def test_a_queued_job_that_nobody_took_is_delivered_again(reg):
    job = reg.create_job({"seeds": [1]}, seeds_total=1, steps=10)
    assert reg.reclaim(max_attempts=2, requeue_after=60) == []
    assert reg.reclaim(max_attempts=2, requeue_after=-1) == [job["id"]]


def test_a_backup_restores_whole(reg, store_env, tmp_path):
    import shutil
    import subprocess

    from tests.stores import pg_database

    reg.add([as_new_model(train(Recipe(seed=5, steps=10)))], activate=Recipe(seed=5, steps=10).id)
    target = tmp_path / "backup"
    reg.backup(target)
    expected = reg.summaries(50, 0)
    if reg.kind == "sqlite":  # put the copy in place as registry.sqlite3
        (tmp_path / "restored").mkdir()
        shutil.copy(target, tmp_path / "restored" / "registry.sqlite3")
        restored = SqliteRegistry(tmp_path / "restored")
        assert restored.summaries(50, 0) == expected and restored.active().id == reg.active().id
        return
    from service.registry.postgres import PostgresRegistry

    with pg_database() as url:  # pg_restore into an empty database
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(target)], check=True,
                       capture_output=True, timeout=60)
        restored = PostgresRegistry(url)
        try:
            assert restored.summaries(50, 0) == expected and restored.active().id == reg.active().id
        finally:
            restored.close()


def test_an_upgrade_cut_short_is_finished_by_the_next_start(reg, opener):
    # As if killed after 0002's statements ran but before its revision was recorded.
    _write(reg, "UPDATE alembic_version SET version_num = '0001'")
    again = opener()
    assert again.query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert again.active().name == "default"


def test_a_trained_models_snapshots_are_kept_whole_and_deleted_with_it(reg, opener):
    [result] = train_seeds(Recipe(init="symmetric", perturbation=1e-3, steps=300), [7])
    assert reg.add([as_new_model(result)]) == [True]
    other = opener()  # another process reads them back bit for bit
    back = other.snapshots(result.recipe.id)
    assert (back.steps == result.snapshots.steps).all()
    assert back.params.tobytes() == result.snapshots.params.tobytes()
    traced = other.trajectory(other.get(result.recipe.id))
    assert traced.steps[-1] == 300 and (traced.closest > 0).all()
    assert reg.snapshots(reg.get("lab").id) is None  # imported weights have none
    reg.delete(result.recipe.id)
    assert other.snapshots(result.recipe.id) is None
    assert reg.query("SELECT count(*) FROM trajectories")[0][0] == 1  # the default model's


def test_a_registry_from_before_trajectories_upgrades_and_its_models_have_none(reg, opener):
    default = reg.get("default").id
    _write(reg, "DROP TABLE trajectories")
    _write(reg, "UPDATE alembic_version SET version_num = '0002'")
    again = opener()
    assert again.query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert again.snapshots(default) is None and again.trajectory(again.get(default)) is None


def test_every_thread_of_a_worker_sees_another_process_s_activation(reg, opener):
    """A gthread worker's threads each have a connection; SQLite's data_version counts per
    connection (a new one starts at 1), so what one thread saw must not stand for another's."""
    other = opener()
    lab, default = reg.get("lab").id, reg.get("default").id
    with ThreadPoolExecutor(1) as first, ThreadPoolExecutor(1) as second:
        first.submit(reg.refresh).result()
        other.activate(lab)
        assert first.submit(lambda: reg.active_id).result() == lab
        second.submit(reg.query, "SELECT 1").result()  # its connection opens now
        other.activate(default)
        # the two threads' counters now read the same number, though only the second has moved
        assert second.submit(lambda: reg.active_id).result() == default
