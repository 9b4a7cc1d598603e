"""What a server's main process loads before it forks its workers, which then share it."""

from __future__ import annotations

import gc


def before_fork() -> None:
    """Load the explanations' compiled code (model/compiled.py), from its cache or by compiling
    it, and keep what the process holds out of the collector's passes.

    The workers forked after share those pages rather than each loading a copy (numba and LLVM,
    about 115 MiB a worker), and in a fresh checkout the code is compiled once instead of by
    every worker at the same time.
    """
    from model import explain

    explain.prepare()
    gc.freeze()
