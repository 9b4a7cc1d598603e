"""The shell's ROASTNET_* settings do not reach the tests (tests/conftest.py removes them)."""

import os
import subprocess
import sys

from tests.server import ROOT


def test_a_setting_in_the_shell_does_not_reach_an_app_made_in_a_test(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "from service.settings import Settings\n"
        "def test_defaults():\n"
        "    s = Settings()\n"
        "    assert (s.metrics, s.max_predict_readings, s.server) == (True, 10000, 'gunicorn')\n")
    env = {**os.environ, "ROASTNET_METRICS": "false", "ROASTNET_MAX_PREDICT_READINGS": "3",
           "ROASTNET_SERVER": "granian"}
    # The probe lies outside tests/, so it gets tests/conftest.py as a plugin, as tests/ does.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "tests.conftest", str(probe)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
