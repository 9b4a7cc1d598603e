"""No Docker engine runs here, so start the Dockerfile's own CMD with its ENV, as the image would."""

import json
import shlex
import sys
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
    token_file = tmp_path / "data" / "admin_token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.read_text().strip() not in server.output()
