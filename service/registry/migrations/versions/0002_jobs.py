"""jobs: retraining requests, their state, progress, lease and result."""

from alembic import op

revision = "0002"
down_revision = "0001"

SEQ = {"sqlite": "seq INTEGER PRIMARY KEY AUTOINCREMENT",
       "postgresql": "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"}


def upgrade() -> None:
    seq = SEQ[op.get_bind().dialect.name]
    op.execute(f"""
        CREATE TABLE IF NOT EXISTS jobs (
            {seq},
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL DEFAULT 'retrain',
            status TEXT NOT NULL CHECK (status IN
                ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            request TEXT NOT NULL,
            result TEXT,
            problem TEXT,
            seeds_done INTEGER NOT NULL DEFAULT 0,
            seeds_total INTEGER NOT NULL,
            step INTEGER NOT NULL DEFAULT 0,
            steps INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_until DOUBLE PRECISION,
            enqueued_at DOUBLE PRECISION NOT NULL,
            trainer TEXT
        )""")
    op.execute("CREATE INDEX IF NOT EXISTS jobs_status_seq ON jobs (status, seq)")
    # A version row that every change to models or the active id bumps: stores without a cheap
    # "anything committed?" signal (PostgreSQL) compare it on each request.
    op.execute("INSERT INTO state (key, value) VALUES ('version', '0') ON CONFLICT (key) DO NOTHING")
