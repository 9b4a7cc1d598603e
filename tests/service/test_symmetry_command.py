"""`roastnet symmetry`: the table of perturbations, against the measurement in the issue it answers."""

import math

import orjson
import pytest

from service.cli import main

# Measured on main before this command existed (20 seeds, 3 units, 3000 steps): ε → seeds at
# 100 % training accuracy out of 20 (coverage of all three regions is the same count).
MEASURED = {0.0: 0, 0.1: 19}


def wilson(k: int, n: int, z: float = 2.576) -> tuple[float, float]:
    """Return the 99 % Wilson score interval of a proportion k / n."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_the_table_reproduces_the_measurement_on_main(capsys):
    assert main(["symmetry", "--perturbations", "0,0.1", "--seeds", "0-19", "--json"]) == 0
    table = {line["perturbation"]: line for line in orjson.loads(capsys.readouterr().out)["perturbations"]}
    same = table[0.0]  # identical units: deterministic, exactly as measured
    assert same["full_train_accuracy"] == 0 and same["all_regions_covered"] == 0
    assert same["coverage_rate"] == 0.0 and same["separated"] == 0
    assert same["median_separation_step"] is None
    lo, hi = wilson(MEASURED[0.1], 20)  # ε = 0.1: the noise of 20 seeds
    assert lo <= table[0.1]["full_train_accuracy"] / 20 <= hi
    assert lo <= table[0.1]["coverage_rate"] <= hi


def test_the_printed_table(capsys):
    assert main(["symmetry", "--perturbations", "0,1e-3", "--seeds", "0-3", "--steps", "2000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "4 seeds, 3 units, 2000 steps" in lines[0]
    assert lines[2].split()[:2] == ["0", "0/4"] and lines[2].endswith("never")
    small = lines[3].split()
    assert small[0] == "0.001" and small[-1].isdigit()  # a median separation step


@pytest.mark.parametrize("value", ["2", "-1", "nan", "a,b", ""])
def test_bad_perturbations_stop_with_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["symmetry", "--perturbations", value])
    assert exc.value.code == 2 and "perturbation" in capsys.readouterr().err


def test_as_jobs_on_a_running_service_one_per_perturbation(tmp_path, capsys, monkeypatch):
    import requests

    from tests.server import TOKEN, Server

    args = ["symmetry", "--perturbations", "0,1e-3", "--seeds", "0-3", "--steps", "2000", "--json"]
    assert main(args) == 0
    here = orjson.loads(capsys.readouterr().out)
    with Server(tmp_path / "data", workers=2, trainer=True) as server:
        monkeypatch.setenv("ROASTNET_ADMIN_TOKEN", TOKEN)
        assert main([*args, "--url", server.url]) == 0
        there = orjson.loads(capsys.readouterr().out)
        jobs = requests.get(f"{server.url}/v1/jobs?status=succeeded", timeout=5).json()["jobs"]
    assert sorted(j["request"]["perturbation"] for j in jobs) == [0.0, 1e-3]
    assert all(j["request"]["init"] == "symmetric" and j["request"]["seeds"] == [0, 1, 2, 3] for j in jobs)
    assert there == here  # the trainer's models are the same recipes, so the same table
