"""models and state: the tables every registry had before migrations (created only if missing)."""

from alembic import op

revision = "0001"
down_revision = None

SEQ = {"sqlite": "seq INTEGER PRIMARY KEY AUTOINCREMENT",
       "postgresql": "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"}


def upgrade() -> None:
    seq = SEQ[op.get_bind().dialect.name]
    op.execute(f"""
        CREATE TABLE IF NOT EXISTS models (
            {seq},
            id TEXT NOT NULL UNIQUE,
            name TEXT UNIQUE,
            source TEXT NOT NULL CHECK (source IN ('recipe', 'import')),
            recipe TEXT,
            weights TEXT NOT NULL,
            metrics TEXT,
            loss_curve TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        )""")
    op.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
