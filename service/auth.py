"""Admin access: a bearer token from ROASTNET_ADMIN_TOKEN or generated once into the data directory."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

from flask import current_app, request

from service.errors import Unauthorized

log = logging.getLogger("roastnet.auth")
TOKEN_FILE = "admin_token"


def load_or_create_token(data_dir: Path) -> str:
    """Return the token stored in data_dir, creating it (mode 0600) if there is none yet.

    Workers start together, so the file appears whole or not at all: it is written under a
    private name and linked into place, and the first link wins.
    """
    path = Path(data_dir) / TOKEN_FILE
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
        log.info("generated an admin token; it is in %s (readable by this user only)", path)
    except FileExistsError:
        token = path.read_text().strip()
    finally:
        tmp.unlink()
    return token


def check_admin() -> None:
    """Refuse the request unless it carries the admin bearer token."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        raise Unauthorized("this call needs an admin token: Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("use the Bearer scheme: Authorization: Bearer <token>")
    expected = current_app.config["ROASTNET_TOKEN"]
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized("the admin token is not valid")
