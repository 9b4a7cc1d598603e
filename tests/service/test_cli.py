import pytest

from service.cli import _seeds, main


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ROASTNET_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_predict_says_why(data_dir, capsys):
    assert main(["predict", "160", "13.5", "--model", "lab"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bad roast")
    assert "neuron 0 (temperature_too_low): temperature too low: 160.0 °C is" in out


def test_predict_in_fahrenheit_with_explanation(data_dir, capsys):
    assert main(["predict", "392", "13.9", "--unit", "F", "--model", "lab", "--explain"]) == 0
    out = capsys.readouterr().out
    assert '"label": "good"' in out and '"shapley"' in out and '"temperature": 392.0' in out
    assert '"temperature_unit": "F"' in out and '°C' not in out


def test_neurons(data_dir, capsys):
    assert main(["neurons", "--model", "lab"]) == 0
    out = capsys.readouterr().out
    assert "neuron 0 [temperature_too_low" in out and "neuron 2 [too_hot_for_too_long" in out


def test_train_models_activate(data_dir, capsys):
    assert main(["train", "--seeds", "1,2", "--activate", "2"]) == 0
    out = capsys.readouterr().out
    assert "seed 1: model" in out and "trained" in out and "coverage rate" in out
    assert main(["train", "--seeds", "2"]) == 0
    assert "already stored" in capsys.readouterr().out
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("4 models")
    active = [line for line in listing.splitlines() if line.startswith("*")]
    assert len(active) == 1 and "seed 2 " in active[0]
    assert main(["activate", "default"]) == 0
    assert "active model" in capsys.readouterr().out


def test_sweep_reports_coverage(data_dir, capsys):
    assert main(["sweep", "--seeds", "0-9"]) == 0
    out = capsys.readouterr().out
    assert "coverage rate: 0.90" in out  # seed 4 settles in the poorer solution
    assert "trained 10 seeds" in out


def test_errors_are_one_line(data_dir, capsys):
    assert main(["activate", "nope"]) == 2
    assert capsys.readouterr().err.startswith("roastnet: ")


def test_seed_lists():
    assert _seeds("1,2,5-7") == [1, 2, 5, 6, 7]
    with pytest.raises(Exception, match="seed list"):
        _seeds("a-b")


def test_backup_is_a_whole_registry(data_dir, tmp_path, capsys):
    import sqlite3

    assert main(["train", "--seeds", "3"]) == 0
    target = tmp_path / "backup.sqlite3"
    assert main(["backup", str(target)]) == 0
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM models").fetchone() == (3,)
        assert db.execute("SELECT value FROM state WHERE key = 'active'").fetchone() is not None


def test_train_and_sweep_submit_jobs_to_a_running_service(tmp_path, capsys, monkeypatch):
    import requests

    from tests.server import TOKEN, Server

    with Server(tmp_path / "data", workers=2, trainer=True) as server:
        monkeypatch.setenv("ROASTNET_ADMIN_TOKEN", TOKEN)
        assert main(["train", "--seeds", "1,2", "--activate", "2", "--url", server.url]) == 0
        out = capsys.readouterr().out
        assert "seed 1: model" in out and "trained" in out and "active model" in out
        assert main(["sweep", "--seeds", "0-9", "--url", server.url]) == 0
        assert "coverage rate: 0.90" in capsys.readouterr().out
        assert requests.get(f"{server.url}/v1/jobs?status=succeeded", timeout=5).json()["total"] == 2
        monkeypatch.setenv("ROASTNET_ADMIN_TOKEN", "wrong")
        assert main(["train", "--seeds", "3", "--url", server.url]) == 2
        assert "401" in capsys.readouterr().err
