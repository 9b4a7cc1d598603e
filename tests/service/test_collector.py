"""The cyclic collector is paused while a large answer is built, and only then, and always resumed;
a large answer's objects are freed after it is sent, not before."""

import gc
import threading
import weakref

import orjson
import pytest
from werkzeug.test import EnvironBuilder

from service import collector, columns, present


@pytest.fixture
def collecting():
    """Start each test with the collector running, as a server does; leave it as found."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_pause_stops_the_collector_and_resumes_it_even_after_an_error(collecting):
    with pytest.raises(ZeroDivisionError), collector.paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_overlapping_pauses_resume_only_when_the_last_one_ends(collecting):
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first():
        with collector.paused():
            first_in.set()
            second_done.wait(10)
            seen.append(("first, after the second ended", gc.isenabled()))

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with collector.paused():
        seen.append(("second", gc.isenabled()))
    second_done.set()
    thread.join(10)
    assert seen == [("second", False), ("first, after the second ended", False)]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collecting):
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


@pytest.mark.parametrize(("size", "paused"), [(1, False), (collector.LARGE - 1, False),
                                              (collector.LARGE, True)])
def test_a_predict_of_many_readings_is_built_with_the_collector_paused(client, monkeypatch, collecting,
                                                                       size, paused):
    seen = []
    answer = columns.answer

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return answer(*args, **kwargs)

    monkeypatch.setattr(columns, "answer", watched)
    body = {"readings": [{"temperature": 150 + i % 135, "duration": 12.0} for i in range(size)]}
    r = client.post("/v1/predict", json=body)
    assert r.status_code == 200 and len(r.json["predictions"]) == size
    assert seen == [not paused]
    assert gc.isenabled()


@pytest.mark.parametrize(("size", "held"), [(collector.LARGE - 1, False), (collector.LARGE, True)])
def test_a_large_answer_is_freed_once_the_server_closes_it_not_before_it_is_sent(app, monkeypatch,
                                                                                  size, held):
    made, build = [], present.predictions

    class Built(list):  # a list that can be watched with a weak reference
        pass

    def watched(*args, **kwargs):
        answers = Built(build(*args, **kwargs))
        made.append(weakref.ref(answers))
        return answers

    monkeypatch.setattr(present, "predictions", watched)
    body = {"readings": [{"temperature": 150 + i % 135, "duration": 12.0} for i in range(size)]}
    environ = EnvironBuilder(path="/v1/predict", method="POST", json=body).get_environ()
    status = []
    sent = app(environ, lambda s, headers, exc_info=None: status.append(s))
    assert (made[0]() is not None) == held  # after the view: still held only when large
    written = b"".join(sent)
    assert (made[0]() is not None) == held
    getattr(sent, "close", lambda: None)()  # what a WSGI server calls after the last byte
    assert made[0]() is None
    assert status == ["200 OK"] and len(orjson.loads(written)["predictions"]) == size
