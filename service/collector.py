"""The cyclic garbage collector, paused while a large answer is built and written.

A 10,000-reading explained answer is some 100,000 dicts, lists and strings, none of them in a
cycle: reference counting frees every one. The cyclic collector cannot know that, and walks
them again on every collection their allocation sets off (about 7 of 50 ms in process here).
The pause is counted, so that one thread's end does not resume the collector under another
thread's build; the last one out resumes it, if it ran before. Large requests that keep
overlapping keep it paused: with a worker's few threads (ROASTNET_THREADS, 2) they end between
requests, and the collector then runs as usual.

Freeing them is work too (about 8 ms for that answer), and the client need not wait for it:
``freed_after_sending`` keeps them until the server has written the response.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response

LARGE = 1_000  # readings from which an answer is built with the collector paused

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (reference counting frees as ever)."""
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()


def freed_after_sending(response: Response, built: Any) -> Response:
    """Keep ``built`` (the objects an answer was made from) until the server closes the
    response, after its last byte is written, so that freeing them does not delay the answer."""
    held = [built]
    response.call_on_close(held.clear)
    return response
