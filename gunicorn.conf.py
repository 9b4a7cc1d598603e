"""gunicorn settings for roastnet; `roastnet serve` and the Dockerfile both use this file.

The values operators change come from ROASTNET_* through service/settings.py (ROASTNET_BIND
and ROASTNET_WORKERS most often); any value can also be overridden on gunicorn's command line.
"""

import os
from pathlib import Path

# The matrices are tiny: BLAS threads only cost, and native thread pools alive at fork time are a
# known cause of hung workers. Set before any worker imports numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from service import metrics_dir  # noqa: E402 (after the BLAS variables)
from service.settings import Settings  # noqa: E402

_settings = Settings()
_board = None  # the connections board (service/balanced_worker.py), made in on_starting

wsgi_app = "service.wsgi:app"
bind = _settings.bind

# Threaded workers that keep connections alive. Sync workers answer one request per connection
# (`Connection: close`), so every request paid a TCP handshake; clients and proxies that reuse
# connections (wrk, requests.Session, nginx with upstream keepalive) lose that cost here. Two
# threads per worker overlap one request's socket reads and writes with another's work; more
# threads only contend for the GIL on these CPU-bound requests (2 workers, wrk -c16 keep-alive,
# taken in turn on a loaded machine: 783 and 780 req/s with 2 threads, 417 and 382 with 4, 402
# and 272 with 1). `make bench` prints sync against these workers, with and without keep-alive
# clients and behind nginx.
workers = _settings.workers
worker_class = "service.balanced_worker.BalancedThreadWorker"  # gthread that spreads connections
threads = _settings.threads
# A kept-alive connection stays with the worker that accepted it: gunicorn's gthread pinned a
# burst of them to whichever worker woke first. The worker class above accepts only while it
# holds no more than one connection above the least-loaded worker (service/balanced_worker.py).
# worker_connections is still each worker's cap.
worker_connections = _settings.worker_connections
keepalive = 5  # seconds an idle connection is kept; nginx's upstream keepalive_timeout sits below
preload_app = False  # each worker opens its own SQLite connection after the fork

# The largest retrain the work budget admits takes about 10 s here; 60 s leaves room on a slower
# machine while still reaping a worker that is truly stuck.
timeout = 60
# On SIGTERM a worker may finish the request it is on (a retrain included) before it is killed.
graceful_timeout = 30

# Recycling: only for a reason, one worker at a time (service/recycling.py). gunicorn's own
# max_requests is off: it restarts a worker on a count alone and lets every worker restart in the
# same second. A worker is recycled when its resident memory has grown more than
# ROASTNET_RECYCLE_GROWTH_MIB (256; 0 turns it off) since it warmed up, or, if an operator sets
# ROASTNET_MAX_REQUESTS (0, off, by default), after that many requests; the claim waits while
# another worker of this server is being recycled.
max_requests = 0

# Requests have short lines and few headers. The app refuses more than 4096 bytes of path and query,
# 50 header fields or a field over 8 KiB with a problem+json answer; gunicorn's own limits sit above
# those (it answers plain text) so that only far larger abuse stops here.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 32768

# Access logs are off by default (they cost throughput); ROASTNET_ACCESS_LOG=- turns them on.
# The format names no request header, so the admin token never reaches a log line; it carries the
# request id and model id the app sets on the answer.
accesslog = _settings.access_log or None
access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s '
                     'model_id=%({x-model-id}o)s')
errorlog = "-"
loglevel = _settings.log_level.lower()
if _settings.log_format == "json":
    # gunicorn's own lines as JSON too; the app then writes one JSON line per request itself.
    from service.logs import gunicorn_config

    logconfig_dict = gunicorn_config(loglevel)

# gunicorn's control socket sits at one path per user, shared by every server on the machine;
# roastnet does not use it.
control_socket_disable = True


def on_starting(server):
    """Check the data directory and make the workers' metrics directory, once, in the master
    (service/metrics_dir.py); a clear message beats gunicorn's own halt report."""
    metrics_dir.prepare(_settings.data_dir, server.log)
    # The workers' one recycling slot (a small file beside the metrics, gone with them on exit).
    os.environ["ROASTNET_RECYCLE_STATE"] = os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "recycling")
    # The board on which workers show how many connections they hold.
    global _board
    os.environ["ROASTNET_WORKER_BOARD"] = os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "board")
    from service.balanced_worker import Board

    _board = Board(Path(os.environ["ROASTNET_WORKER_BOARD"]))
    from service import refusals

    refusals.install()  # gunicorn's own 400/414/431 answers as problem+json, like the app's
    from service import preload

    preload.before_fork()  # the explanations' compiled code, shared by the workers


def post_worker_init(worker):
    """Give the worker its recycler; a worker replacing a recycled one ends that recycle."""
    from service.recycling import Recycler

    worker.recycler = Recycler(Path(os.environ["ROASTNET_RECYCLE_STATE"]), _settings.recycle_growth_mib,
                               _settings.max_requests)
    worker.recycler.release_if_replaced(
        lambda: worker.log.info("worker %d ready: the recycle it replaces is over", worker.pid))


def post_request(worker, req, environ, resp):
    """Recycle this worker after the request if it has a reason and no other worker is recycling."""
    reason = worker.recycler.reason()
    if reason and worker.recycler.claim(worker.pid):
        worker.log.info("recycling worker %d: %s", worker.pid, reason)
        worker.alive = False  # finish what it holds, then exit; the master starts a replacement


def child_exit(server, worker):
    """Drop the live figures of a worker that has gone; its counts stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
    _board.free(worker.pid)  # its connections are gone with it


def on_exit(server):
    metrics_dir.remove()
