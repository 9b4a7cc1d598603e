"""No Docker engine runs here, so start the Dockerfile's own CMD with its ENV, as the image would."""

import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

import requests

from tests.server import ROOT, Server

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _env() -> dict[str, str]:
    env = {}
    for word, rest in _instructions():
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_dockerfile_basics():
    words = dict(_instructions())
    assert words["FROM"].startswith("python:3.11-slim")
    assert words["USER"] not in ("root", "0")
    assert words["EXPOSE"] == "8000"
    assert "/readyz" in words["HEALTHCHECK"]
    assert json.loads(words["VOLUME"]) == [_env()["ROASTNET_DATA_DIR"]]


def test_the_image_command_serves(tmp_path: Path):
    cmd = json.loads(dict(_instructions())["CMD"])
    env = _env()
    env["ROASTNET_DATA_DIR"] = str(tmp_path / "data")  # the volume
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")  # the image's, owned by its user
    server = Server(tmp_path / "data", env=env, cmd=cmd)
    server.env["ROASTNET_BIND"] = f"127.0.0.1:{server.port}"  # 0.0.0.0 inside the container
    server.env.pop("ROASTNET_ADMIN_TOKEN")
    # The image installs roastnet and gunicorn on PATH; here they sit beside this Python.
    server.env["PATH"] = f"{Path(sys.executable).parent}:{server.env.get('PATH', '')}"
    with server.start():
        ready = requests.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 200
        r = requests.post(f"{server.url}/v1/predict", json={"temperature": 200, "duration": 17},
                          timeout=5)
        assert r.status_code == 200 and r.json()["predictions"][0]["label"] == "bad"
        token = (tmp_path / "data" / "admin_token").read_text().strip()
        job = requests.post(f"{server.url}/v1/retrain", json={"seeds": [1]}, timeout=40,
                            headers={"Authorization": f"Bearer {token}", "Prefer": "wait=30"})
        assert job.status_code == 201 and job.json()["status"] == "succeeded"  # the trainer runs beside
    # The workers compiled the flip search's steps into the image's cache directory.
    assert list((tmp_path / "numba-cache").rglob("*contour*.nbi"))
    token_file = tmp_path / "data" / "admin_token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.read_text().strip() not in server.output()


def _locked(path: Path) -> dict[str, str]:
    """Return {normalised name: the pinned line} of a pip-compile lock file."""
    text = path.read_text()
    return {re.sub(r"[-_.]+", "-", m.group(1)).lower(): m.group(0)
            for m in re.finditer(r"^([A-Za-z0-9_.-]+)==\S+ \\$", text, re.M)}


def _requirements(names: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", n).group(0)).lower() for n in names}


def test_installs_come_from_the_lock_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _locked(ROOT / "requirements.txt"), _locked(ROOT / "requirements-dev.txt")
    extras = project["optional-dependencies"]
    # Every direct dependency is pinned (a dependency added without `make lock` fails here) ...
    assert _requirements(project["dependencies"] + extras["otel"]) <= set(runtime)
    assert _requirements(project["dependencies"] + extras["otel"] + extras["dev"]) <= set(dev)
    # ... with a hash for every pin, and the image installs the runtime lock before the source.
    for lock in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / lock).read_text()
        pins = [block for block in re.split(r"\n(?=[A-Za-z])", text) if "==" in block]
        assert pins and all("--hash=sha256:" in block for block in pins)
    runs = [v for k, v in _instructions() if k == "RUN"]
    copies = [v for k, v in _instructions() if k == "COPY"]
    assert "--require-hashes -r requirements.txt" in runs[0]
    assert copies[0] == "requirements.txt ./" and any("service" in c for c in copies[1:])
    assert "--require-hashes -r requirements-dev.txt" in (ROOT / "Makefile").read_text()
