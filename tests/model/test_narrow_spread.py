"""A model trained on a narrow spread: the valid range then spans millions of its standard
deviations, and the flip search must neither exhaust memory nor lose the nearest flip."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.server import ROOT

# Run apart, under a 3 GiB address-space limit: a grid FLIP_STEP sd apart over the valid range
# would ask tens of GiB here, and fail with MemoryError rather than take the machine down.
SCRIPT = textwrap.dedent("""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    import numpy as np
    from model.network import LAB_WEIGHTS, Network, lab_network
    from model.explain import Explainer
    from tests import reference as ref

    lab = lab_network()
    for shrink in (100.0, 1000.0):
        net = Network(**{k: np.array(v) for k, v in LAB_WEIGHTS.items()}, mean=lab.mean, std=lab.std / shrink)
        t, d = net.mean + np.array([0.5, -0.3]) * net.std  # 0.5 and -0.3 of its sd from its mean: bad
        e = Explainer(net).explain(t, d)
        assert not e.verdicts.good_roast[0]
        ft, fd, p, distance = e.nearest_flip
        assert ref.proba(net, ft, fd) >= 0.5 and abs(p - ref.proba(net, ft, fd)) < 1e-9
        assert abs(distance - np.hypot((ft - t) / net.std[0], (fd - d) / net.std[1])) < 1e-9
        nearer = ref.other_verdict_within(net, t, d, False, distance - 0.01)
        assert nearer is None, (shrink, distance, nearer)
    print("ok")
""")


def test_a_narrow_training_spread_gets_the_same_flip_in_its_own_sd():
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]
