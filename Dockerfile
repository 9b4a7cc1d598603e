# roastnet: the API under gunicorn and one trainer beside it (`roastnet serve`), as a non-root
# user, with the registry and the job queue on a volume. Scaled out, the same image runs
# `roastnet serve --no-trainer` (API replicas) and `roastnet trainer` (deploy/).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    ROASTNET_DATA_DIR=/data \
    ROASTNET_BIND=0.0.0.0:8000 \
    NUMBA_CACHE_DIR=/app/numba-cache

WORKDIR /app
# Dependencies first, pinned and hash-checked: this layer is rebuilt only when the lock changes.
COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt
COPY pyproject.toml README.md gunicorn.conf.py openapi.yaml ./
COPY model ./model
COPY service ./service
RUN pip install --no-deps . && useradd --system --uid 10001 --home-dir /app roastnet \
    && mkdir -p /data /app/numba-cache && chown roastnet /data /app/numba-cache

USER roastnet
# The searches' compiled code (model/compiled.py), compiled here once: each worker then loads
# the machine code from the cache instead of compiling it at start.
RUN python -c "from model import explain; explain.prepare()"
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["roastnet", "serve"]
