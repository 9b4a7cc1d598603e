"""`roastnet serve --server granian`: the same WSGI app under granian, Rust's HTTP server.

gunicorn stays the default (gunicorn.conf.py). granian parses HTTP and keeps connections alive in
Rust, so a request costs the workers less Python; `make bench` prints the two side by side. What
gunicorn.conf.py adds and granian does not: recycling (ROASTNET_RECYCLE_GROWTH_MIB and
ROASTNET_MAX_REQUESTS apply to gunicorn only), connections spread evenly over the workers, and
problem+json bodies on the refusals the server itself makes before the app sees a request. And a
stop that reaches a worker still loading the app is lost (granian 2.8): that worker ends only when
killed, workers_kill_timeout (30 s) later.
"""

from __future__ import annotations

import logging
import sys

from service import metrics_dir, preload
from service.settings import Settings

APP = "service.wsgi:app"


def main(app: str = APP) -> int:
    """Serve ``app`` (roastnet's, unless a benchmark names another) until SIGTERM or SIGINT, then
    remove the workers' metrics directory."""
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    settings = Settings()
    metrics_dir.prepare(settings.data_dir, logging.getLogger("roastnet"))
    if app == APP:
        preload.before_fork()  # the explanations' compiled code, shared by the workers granian forks
    try:
        Server(app, address=settings.host, port=settings.port, interface=Interfaces.WSGI,
               workers=settings.workers, blocking_threads=settings.threads, http=HTTPModes.http1,
               websockets=False, log_level=LogLevels(settings.log_level.lower()),
               log_access=settings.access_log is not None, respawn_failed_workers=True,
               workers_kill_timeout=30).serve()
    finally:
        metrics_dir.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
