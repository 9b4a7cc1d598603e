"""The HTTP servers `roastnet serve` can run the app under, importable without pydantic (the CLI's parser)."""

from typing import Literal, get_args

Server = Literal["gunicorn", "granian"]
SERVERS: tuple[Server, ...] = get_args(Server)
DEFAULT_SERVER: Server = "gunicorn"
