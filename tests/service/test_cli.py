"""The `roastnet` console script, run as a user runs it: a subprocess on a temporary registry.

The HTTP API (the Flask test client on the same registry) is the truth for every --json answer
and every refusal's message.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.server import TOKEN, free_port
from tests.service.conftest import make_app

ROASTNET = str(Path(sys.executable).with_name("roastnet"))
OK, FAILURE, USAGE, NOT_FOUND, CANNOT_START = 0, 1, 2, 3, 4


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def roastnet(data_dir, *args, **env):
    return subprocess.run([ROASTNET, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ROASTNET_DATA_DIR": str(data_dir),
                                               **{k: str(v) for k, v in env.items()}})


@pytest.fixture
def api(data_dir):
    """The HTTP API on the same registry as the commands."""
    assert roastnet(data_dir, "models").returncode == OK  # the registry exists before the app opens it
    return make_app(data_dir).test_client()


def test_predict_says_why(data_dir):
    run = roastnet(data_dir, "predict", 160, 13.5, "--model", "lab")
    assert run.returncode == OK, run.stderr
    assert run.stdout.startswith("bad roast (probability")
    assert "neuron 0 (temperature_too_low): temperature too low: 160.0 °C is" in run.stdout
    assert "extrapolated" not in run.stdout and run.stderr == ""


@pytest.mark.parametrize("reading", [
    {"temperature": 160, "duration": 13.5},
    {"temperature": 200, "duration": 13.9},
    {"temperature": 392, "duration": 13.9, "temperature_unit": "F"},
    {"temperature": 320, "duration": 17},  # outside the training data: extrapolated
    {"temperature": 0, "duration": 120},
])
def test_predict_json_is_the_apis_answer(data_dir, api, reading):
    unit = reading.get("temperature_unit", "C")
    for model in ("lab", "default"):
        run = roastnet(data_dir, "predict", reading["temperature"], reading["duration"], "--unit", unit,
                       "--model", model, "--json")
        assert run.returncode == OK, run.stderr
        answer = api.post(f"/v1/predict?model={model}", json=reading)
        assert answer.status_code == 200
        assert json.loads(run.stdout) == answer.json
        human = roastnet(data_dir, "predict", reading["temperature"], reading["duration"], "--unit", unit,
                         "--model", model).stdout
        assert ("extrapolated: outside the training data" in human.splitlines()[0]) == \
            answer.json["predictions"][0]["extrapolated"]


def test_explain_is_the_apis_answer(data_dir, api):
    run = roastnet(data_dir, "predict", 392, 13.9, "--unit", "F", "--model", "lab", "--explain")
    assert run.returncode == OK, run.stderr
    answer = api.post("/v1/explain?model=lab", json={"temperature": 392, "duration": 13.9,
                                                     "temperature_unit": "F"})
    assert json.loads(run.stdout) == answer.json


@pytest.mark.parametrize(("temperature", "duration", "unit", "body"), [
    ("600", "13", "C", b'{"temperature": 600, "duration": 13}'),
    ("200", "-1", "C", b'{"temperature": 200, "duration": -1}'),
    ("nan", "13", "C", b'{"temperature": NaN, "duration": 13}'),
    ("200", "inf", "C", b'{"temperature": 200, "duration": Infinity}'),
    ("-inf", "13", "C", b'{"temperature": -Infinity, "duration": 13}'),
    ("1000", "13", "F", b'{"temperature": 1000, "duration": 13, "temperature_unit": "F"}'),
    ("600", "13", "F", b'{"temperature": 600, "duration": 13, "temperature_unit": "F"}'),  # 316 °C: fine
    ("200", "121", "C", b'{"temperature": 200, "duration": 121}'),
])
def test_predict_refuses_what_the_api_refuses_with_its_words(data_dir, api, temperature, duration, unit,
                                                             body):
    run = roastnet(data_dir, "predict", "--unit", unit, "--", temperature, duration)  # "--": -inf
    answer = api.post("/v1/predict", data=body, content_type="application/json")
    if answer.status_code == 200:
        assert run.returncode == OK and json.loads(roastnet(
            data_dir, "predict", "--unit", unit, "--json", "--", temperature, duration).stdout) == answer.json
        return
    assert answer.status_code == 422
    assert (run.returncode, run.stdout) == (USAGE, "")
    assert run.stderr == f"roastnet: {answer.json['detail']}\n"


def test_exit_codes(data_dir, tmp_path):
    assert roastnet(data_dir, "predict", "hot", 13).returncode == USAGE  # argparse
    assert roastnet(data_dir, "frobnicate").returncode == USAGE
    for args in (["activate", "nope"], ["predict", 200, 13, "--model", "nope"], ["neurons", "--model", "x"]):
        run = roastnet(data_dir, *args)
        assert run.returncode == NOT_FOUND and run.stderr.count("\n") == 1, run.stderr
        assert "no model with id or name" in run.stderr
    (tmp_path / "a-file").write_text("")
    run = roastnet(tmp_path / "a-file" / "data", "models")  # a data directory that cannot be made
    assert (run.returncode, run.stderr.count("\n")) == (CANNOT_START, 1), run.stderr
    run = roastnet(data_dir, "models", ROASTNET_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    assert run.returncode == CANNOT_START  # after psycopg_pool's own warnings, one line of ours
    assert run.stderr.splitlines()[-1].startswith("roastnet: cannot open the registry at postgresql://")
    run = roastnet(data_dir, "train", "--seeds", 1, "--url", f"http://127.0.0.1:{free_port()}",
                   ROASTNET_ADMIN_TOKEN=TOKEN)
    assert (run.returncode, run.stderr.count("\n")) == (CANNOT_START, 1), run.stderr
    assert run.stderr.startswith("roastnet: cannot reach")


def test_serve_on_a_taken_port_cannot_start(data_dir):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = roastnet(data_dir, "serve", "--port", port)
    assert run.returncode == CANNOT_START
    assert run.stderr == (f"roastnet: cannot start: cannot listen on 127.0.0.1:{port}: "
                          "Address already in use\n")


def test_help_documents_the_exit_codes():
    run = subprocess.run([ROASTNET, "--help"], capture_output=True, text=True, check=True)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for code, meaning in [(OK, "done"), (FAILURE, "failed"), (USAGE, "usage"), (NOT_FOUND, "not found"),
                          (CANNOT_START, "cannot start")]:
        assert re.search(rf"^  {code}  {meaning}", run.stdout, re.M), run.stdout
        assert re.search(rf"^\| {code} \| {meaning}", readme, re.M | re.I), f"README: exit code {code}"


def test_train_models_activate(data_dir, api):
    run = roastnet(data_dir, "train", "--seeds", "1,2", "--activate", 2)
    assert run.returncode == OK, run.stderr
    assert "seed 1: model" in run.stdout and "trained" in run.stdout and "coverage rate" in run.stdout
    assert "already stored" in roastnet(data_dir, "train", "--seeds", 2).stdout
    listing = roastnet(data_dir, "models").stdout.splitlines()
    assert listing[0] == "4 models"
    assert listing[1].split() == ["id", "name", "source", "seed", "init", "hidden", "train", "acc", "grid",
                                  "acc", "loss", "active"]
    models = api.get("/v1/models").json["models"]
    for line, m in zip(listing[2:], models, strict=True):
        cells = line.split()
        assert cells[:3] == [m["id"], m["name"] or "-", m["source"]] and (cells[-1] == "*") == m["active"]
        recipe = m["recipe"] or {}
        assert cells[3:6] == [str(recipe.get(k, "-")) for k in ("seed", "init", "hidden_units")]
        assert cells[6:9] == [f"{m['metrics']['train_accuracy']:.4f}", f"{m['metrics']['grid_accuracy']:.4f}",
                              f"{m['metrics']['final_loss']:.4g}"]
    for limit, offset in [(2, 0), (2, 1), (1, 3), (5, 9)]:
        run = roastnet(data_dir, "models", "--limit", limit, "--offset", offset, "--json")
        assert json.loads(run.stdout) == api.get(f"/v1/models?limit={limit}&offset={offset}").json
    run = roastnet(data_dir, "models", "--limit", 501)
    assert run.returncode == USAGE
    assert run.stderr == f"roastnet: {api.get('/v1/models?limit=501').json['detail']}\n"
    run = roastnet(data_dir, "activate", "default", "--json")
    assert json.loads(run.stdout)["id"] == api.get("/v1/models/active").json["id"] == \
        api.get("/v1/models/default").json["id"]


def test_sweep_reports_coverage_as_json_too(data_dir):
    run = roastnet(data_dir, "sweep", "--seeds", "0-9")
    assert run.returncode == OK and run.stderr == ""  # not a terminal: no progress bar
    assert "coverage rate: 0.90" in run.stdout  # seed 4 settles in the poorer solution
    assert "trained 10 seeds" in run.stdout
    body = json.loads(roastnet(data_dir, "sweep", "--seeds", "0-9", "--json").stdout)
    assert [r["seed"] for r in body["seeds"]] == list(range(10))
    assert body["coverage_rate"] == 0.9 and not body["seeds"][4]["all_regions_covered"]


def test_sweep_refuses_absurd_ranges_with_the_apis_limits(data_dir, api):
    run = roastnet(data_dir, "sweep", "--seeds", "0-10000000")
    assert run.returncode == USAGE and "Traceback" not in run.stderr and "MemoryError" not in run.stderr
    assert "10,000,001 seeds is more than the 10,000 a sweep may train" in run.stderr
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for flags, body in [(["--hidden-units", 100], {"hidden_units": 100}),
                        (["--hidden-units", 0], {"hidden_units": 0})]:
        run = roastnet(data_dir, "sweep", "--seeds", "0-99", *flags)
        answer = api.post("/v1/retrain", json={"seeds": list(range(64)), **body}, headers=headers)
        assert answer.status_code == 422
        assert (run.returncode, run.stderr) == (USAGE, f"roastnet: {answer.json['detail']}\n")
    run = roastnet(data_dir, "train", "--seeds", "0-99")
    answer = api.post("/v1/retrain", json={"seeds": list(range(100))}, headers=headers)
    assert (run.returncode, run.stderr) == (USAGE, f"roastnet: {answer.json['detail']}\n")


def test_sweep_refuses_work_over_the_apis_budget(data_dir, api):
    run = roastnet(data_dir, "sweep", "--seeds", "0-63", "--hidden-units", 8,
                   ROASTNET_MAX_RETRAIN_WORK=64 * 200 * 8 * 3000 - 1)
    assert run.returncode == USAGE
    assert run.stderr.startswith(
        "roastnet: work budget: seeds × samples × hidden_units × steps = 307,200,000 is over the limit")


def _under_a_terminal(args, data_dir) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal; return the exit code, stdout and what the terminal saw."""
    import pty

    leader, follower = pty.openpty()
    with subprocess.Popen([ROASTNET, *map(str, args)], stdout=subprocess.PIPE, stderr=follower,
                          env={**os.environ, "ROASTNET_DATA_DIR": str(data_dir),
                               "COLUMNS": "100", "TERM": "xterm"}) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
        out = proc.stdout.read().decode()
    return proc.returncode, out, seen.decode(errors="replace")


@pytest.mark.parametrize("command", [["sweep", "--seeds", "0-20"], ["train", "--seeds", "0-20"]])
def test_progress_bar_only_on_a_terminal(data_dir, command):
    plain = roastnet(data_dir, *command)
    assert plain.returncode == OK and plain.stderr == ""
    start = time.monotonic()
    code, out, terminal = _under_a_terminal(command, data_dir)
    seconds = time.monotonic() - start
    assert code == OK and "coverage rate" in out and "━" not in out
    assert "━" in terminal and "21/21" in terminal
    assert terminal.count("\r\x1b[2K") >= seconds  # redrawn at least once a second


def test_backup_is_a_whole_registry(data_dir, tmp_path):
    import sqlite3

    assert roastnet(data_dir, "train", "--seeds", 3).returncode == OK
    target = tmp_path / "backup.sqlite3"
    run = roastnet(data_dir, "backup", target, "--json")
    assert run.returncode == OK and json.loads(run.stdout) == {"backup": str(target), "registry": "sqlite"}
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM models").fetchone() == (3,)
        assert db.execute("SELECT value FROM state WHERE key = 'active'").fetchone() is not None


@pytest.mark.parametrize("where", ["missing/backup.sqlite3", "missing/deeper/backup.sqlite3", "."])
def test_backup_that_cannot_be_written_is_one_line(data_dir, tmp_path, where):
    assert roastnet(data_dir, "models").returncode == OK
    run = roastnet(data_dir, "backup", tmp_path / where)
    assert run.returncode == FAILURE and run.stdout == ""
    assert run.stderr.startswith(f"roastnet: cannot write the backup {tmp_path / where}")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_train_and_sweep_submit_jobs_to_a_running_service(tmp_path):
    import requests

    from tests.server import Server

    with Server(tmp_path / "data", workers=2, trainer=True) as server:
        def remote(*args, token=TOKEN):
            return roastnet(tmp_path / "cli-data", *args, "--url", server.url, ROASTNET_ADMIN_TOKEN=token)

        run = remote("train", "--seeds", "1,2", "--activate", 2, "--json")
        assert run.returncode == OK, run.stderr
        body = json.loads(run.stdout)
        assert [m["seed"] for m in body["models"]] == [1, 2] and body["activated"] == body["models"][1]["id"]
        run = remote("sweep", "--seeds", "0-9")
        assert run.returncode == OK and "coverage rate: 0.90" in run.stdout
        assert requests.get(f"{server.url}/v1/jobs?status=succeeded", timeout=5).json()["total"] == 2
        run = remote("train", "--seeds", 3, token="wrong")
        assert run.returncode == FAILURE and "401" in run.stderr and run.stderr.count("\n") == 1
        assert orjson.loads(requests.get(f"{server.url}/v1/models", timeout=5).content)["total"] == 4 + 8
