"""trajectories: each trained model's snapshots (weights at log-spaced steps), apart from its row.

Apart, so that loading a model (every request's path) never reads them. Models stored before this
revision have none; their trajectory answers 404.
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS trajectories (
            model_id TEXT PRIMARY KEY,
            snapshots TEXT NOT NULL
        )""")
