"""Schema migrations with Alembic: every store, SQLite included, upgrades in place on start.

A registry made before migrations existed has the tables of the first revision and no
``alembic_version``; the first revision creates only what is missing, so it upgrades like any other.
Every statement of a revision is safe to run twice (IF NOT EXISTS, ON CONFLICT DO NOTHING): SQLite's
driver may commit DDL statement by statement, and a process killed mid-upgrade leaves a registry
that the next start finishes upgrading.
"""

from __future__ import annotations

from pathlib import Path

HEAD = "0003"  # the newest revision under migrations/versions (a test keeps the two in step)
SCRIPTS = Path(__file__).resolve().parent / "migrations"


def upgrade(url: str, current: str | None) -> None:
    """Bring the store at SQLAlchemy ``url`` to HEAD; a cheap no-op when it is there already."""
    if current == HEAD:
        return
    import sqlalchemy
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


def head() -> str | None:
    """Return the head revision as Alembic reads it from the scripts (None when there is none)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return ScriptDirectory.from_config(cfg).get_current_head()
