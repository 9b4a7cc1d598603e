"""CSV bodies and answers, ?fields= and ?layout=, and how a body is told to be one reading or a batch."""

import csv
import io
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from model.data import to_celsius
from model.network import lab_network
from tests import reference

LAB = lab_network()
READINGS = [(200.0, 13.9), (160.0, 13.5), (284.0, 15.4), (230.5, 12.25), (600.0 / 3, 14.0)]


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_body_is_judged_like_the_lab_network(client):
    body = "temperature,duration\n" + "".join(f"{t!r},{d!r}\n" for t, d in READINGS)
    r = client.post("/v1/predict?model=lab", data=body, content_type="text/csv")
    assert r.status_code == 200, r.json
    got = [p["probability"] for p in r.json["predictions"]]
    want = reference.proba(LAB, [t for t, _ in READINGS], [d for _, d in READINGS])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert [p["temperature"] for p in r.json["predictions"]] == [t for t, _ in READINGS]


def test_csv_in_fahrenheit_with_a_byte_order_mark_and_crlf(client):
    body = "\ufefftemperature,duration,temperature_unit\r\n392,13.9,F\r\n200,13.9,c\r\n\r\n".encode()
    r = client.post("/v1/predict?model=lab", data=body, content_type="text/csv; charset=utf-8")
    assert r.status_code == 200, r.json
    first, second = r.json["predictions"]
    assert (first["temperature"], first["temperature_unit"]) == (392.0, "F")
    assert second["temperature_unit"] == "C"
    want = reference.proba(LAB, [to_celsius(392.0), 200.0], [13.9, 13.9])
    np.testing.assert_allclose([first["probability"], second["probability"]], want, rtol=1e-12)


def test_the_threshold_of_a_csv_body_is_a_query_parameter(client):
    p = float(reference.proba(LAB, 200.0, 13.9))
    body = "temperature,duration\n200,13.9\n"
    above = client.post(f"/v1/predict?model=lab&threshold={min(p * 1.01, 0.999)}", data=body,
                        content_type="text/csv")
    below = client.post(f"/v1/predict?model=lab&threshold={p * 0.99}", data=body, content_type="text/csv")
    assert above.json["predictions"][0]["label"] == "bad"
    assert below.json["predictions"][0]["label"] == "good"


@pytest.mark.parametrize(("body", "where", "words"), [
    ("temp,duration\n200,13\n", None, "header row"),
    ("temperature,duration\n", None, "no readings"),
    ("", None, "header row"),
    ("temperature,duration\n200,13\nhot,13\n", "readings[1].temperature", "must be a number"),
    ("temperature,duration\n200\n", "readings[0]", "1 cells"),
    ("temperature,duration\n600,13\n", "readings[0].temperature", "between 0 and 500 °C"),
    ("temperature,duration,temperature_unit\n1000,13,F\n", "readings[0].temperature", "932 °F"),
    ("temperature,duration\nnan,13\n", "readings[0].temperature", "finite"),
    ("temperature,duration\n200,-1\n", "readings[0].duration", "greater than 0"),
    ("temperature,duration,temperature_unit\n200,13,K\n", "readings[0].temperature_unit", "'C' or 'F'"),
])
def test_bad_csv_is_refused_with_the_place_and_the_reason(client, body, where, words):
    r = client.post("/v1/predict", data=body, content_type="text/csv")
    assert r.status_code == 422, r.data
    assert r.mimetype == "application/problem+json"
    assert words in r.json["detail"]
    if where is not None:
        assert r.json["errors"][0]["field"] == where


def test_bad_csv_bytes_are_a_400(client):
    r = client.post("/v1/predict", data=b"temperature,duration\n\xff\xfe,1\n", content_type="text/csv")
    assert r.status_code == 400 and "UTF-8" in r.json["detail"]


@pytest.mark.parametrize("query", ["threshold=0", "threshold=1", "threshold=nan", "threshold=x"])
def test_a_bad_csv_threshold_is_refused(client, query):
    r = client.post(f"/v1/predict?{query}", data="temperature,duration\n200,13\n", content_type="text/csv")
    assert r.status_code == 422 and "threshold" in r.json["detail"]


@pytest.mark.parametrize("batch", [False, True])
def test_a_json_body_s_own_threshold_wins_over_the_query(client, batch):
    p = float(reference.proba(LAB, 200.0, 13.9))
    reading = {"temperature": 200, "duration": 13.9}

    def label(query, body):
        body = {"readings": [reading], **body} if batch else {**reading, **body}
        return client.post(f"/v1/predict?model=lab{query}", json=body).json["predictions"][0]["label"]

    assert label(f"&threshold={p * 1.01}", {}) == "bad"
    assert label(f"&threshold={p * 0.99}", {}) == "good"
    assert label(f"&threshold={p * 1.01}", {"threshold": p * 0.99}) == "good"
    assert label(f"&threshold={p * 0.99}", {"threshold": p * 1.01}) == "bad"


def test_csv_over_the_batch_limit_is_refused(client, app):
    limit = app.config["ROASTNET"].max_predict_readings
    body = "temperature,duration\n" + "200,13\n" * (limit + 1)
    r = client.post("/v1/predict", data=body, content_type="text/csv")
    assert r.status_code == 422 and f"at most {limit}" in r.json["detail"]


def test_a_csv_answer_has_a_row_per_reading_with_the_fired_units_and_their_reasons(client):
    readings = {"readings": [{"temperature": t, "duration": d} for t, d in READINGS]}
    full = client.post("/v1/predict?model=lab", json=readings).json["predictions"]
    r = client.post("/v1/predict?model=lab", json=readings, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = _csv_rows(r.get_data(as_text=True))
    assert list(rows[0]) == ["temperature", "duration", "temperature_unit", "probability", "label",
                             "good_roast", "fired", "reasons", "extrapolated"]
    for row, answer, (t, d) in zip(rows, full, READINGS, strict=True):
        assert float(row["temperature"]) == t and float(row["duration"]) == d
        assert float(row["probability"]) == answer["probability"]  # exact round trip
        assert row["label"] == answer["label"]
        assert row["good_roast"] == ("true" if answer["label"] == "good" else "false")
        assert row["fired"] == ";".join(str(u["neuron"]) for u in answer["fired"])
        assert row["reasons"].split(" | ") == ([u["reason"] for u in answer["fired"]] or [""])
    bad = [row for row in rows if row["label"] == "bad"]
    assert bad and all(row["fired"] for row in bad)


def test_csv_in_csv_out_with_chosen_fields(client):
    body = "temperature,duration\n200,13.9\n160,13.5\n"
    r = client.post("/v1/predict?model=lab&fields=label,probability,hidden", data=body,
                    content_type="text/csv", headers={"Accept": "text/csv, application/json;q=0.5"})
    rows = _csv_rows(r.get_data(as_text=True))
    assert list(rows[0]) == ["probability", "label", "hidden"]
    assert [row["label"] for row in rows] == ["good", "bad"]
    hidden = [float(x) for x in rows[1]["hidden"].split(";")]
    np.testing.assert_allclose(hidden, reference.activations(LAB, 160.0, 13.5), rtol=1e-12)


def test_csv_numbers_are_the_shortest_text_of_the_json_answer_s_floats(client):
    # Python's repr is the shortest text that reads back as the same float: every number in the
    # CSV must be that decimal (written with or without an exponent), over magnitudes from 1e-300
    # up, so that no digit is lost and none is made up.
    rng = np.random.default_rng(11)
    durations = 10 ** rng.uniform(-2, np.log10(120), 300)
    readings = [{"temperature": float(t), "duration": float(d)}
                for t, d in zip(rng.uniform(0, 500, 300), durations, strict=True)]
    full = client.post("/v1/predict?model=lab", json={"readings": readings}).json["predictions"]
    r = client.post("/v1/predict?model=lab&fields=temperature,duration,probability,hidden",
                    json={"readings": readings}, headers={"Accept": "text/csv"})
    rows = _csv_rows(r.get_data(as_text=True))
    assert min(p["probability"] for p in full) < 1e-5  # exponents are part of the test
    for row, answer in zip(rows, full, strict=True):
        for name in ("temperature", "duration", "probability"):
            assert Decimal(row[name]) == Decimal(repr(answer[name])), (name, row[name])
        cells = row["hidden"].split(";")
        assert [Decimal(c) for c in cells] == [Decimal(repr(h)) for h in answer["hidden"]]


def test_the_readmes_csv_example_is_answered_byte_for_byte(client):
    # The README shows a CSV batch and its answer as a shell session: send its body, expect its
    # lines (header, then one "\n"-ended row per reading, probabilities printed in full).
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    m = re.search(r"\$ printf '(temperature,duration[^']*)' \|\n\s*curl -s '[^?']*(\?[^']*)'.*?\n"
                  r"(probability,label\n(?:[^`\n][^\n]*\n)+)```", readme, re.S)
    assert m, "the README's CSV example"
    body, query, answer = m.group(1).replace("\\n", "\n"), m.group(2), m.group(3)
    r = client.post("/v1/predict" + query, data=body, content_type="text/csv", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.get_data(as_text=True) == answer


FIELDS = ["temperature", "duration", "temperature_unit", "probability", "label", "good_roast", "hidden",
          "fired", "near_bad", "closest", "extrapolated"]


@pytest.mark.parametrize("fields", [["probability", "label"], ["label"], ["hidden", "extrapolated"],
                                    ["fired", "label"], ["closest"], FIELDS])
def test_fields_trim_the_answer_to_those_named(client, fields):
    readings = {"readings": [{"temperature": t, "duration": d} for t, d in READINGS] +
                [{"temperature": 300.0, "duration": 17.0, "temperature_unit": "C"}], "threshold": 0.4}
    full = client.post("/v1/predict?model=lab", json=readings).json["predictions"]
    asked = ",".join(reversed(fields))  # the answer keeps its own order whatever the query's
    r = client.post(f"/v1/predict?model=lab&fields={asked}", json=readings)
    assert r.status_code == 200, r.json
    want = [f for f in FIELDS if f in fields]
    for got, whole in zip(r.json["predictions"], full, strict=True):
        assert list(got) == want
        assert got == {f: whole[f] for f in want}
    labels = ["good" if p >= 0.4 else "bad" for p in reference.proba(LAB, *zip(*[
        (x["temperature"], x["duration"]) for x in readings["readings"]], strict=True))]
    assert [p["label"] for p in full] == labels
    assert full[-1]["extrapolated"] is True


@pytest.mark.parametrize("fields", [["probability", "label"], ["fired", "closest"], None])
def test_columns_layout_gives_a_list_per_field_in_the_readings_order(client, fields):
    readings = [{"temperature": t, "duration": d} for t, d in READINGS] + [
        {"temperature": 392.0, "duration": 13.9, "temperature_unit": "F"}]
    query = "" if fields is None else "&fields=" + ",".join(fields)
    rows = client.post(f"/v1/predict?model=lab{query}", json={"readings": readings}).json
    r = client.post(f"/v1/predict?model=lab&layout=columns{query}", json={"readings": readings})
    assert r.status_code == 200, r.json
    assert r.json["model_id"] == rows["model_id"]
    columns = r.json["predictions"]
    assert list(columns) == (fields or FIELDS)
    assert columns == {f: [p[f] for p in rows["predictions"]] for f in columns}
    if fields is None:  # the reading as sent, and the lab network's verdict by hand
        assert columns["temperature"][-1] == 392.0 and columns["temperature_unit"][-1] == "F"
        p = reference.proba(LAB, [t for t, _ in READINGS] + [200.0], [d for _, d in READINGS] + [13.9])
        np.testing.assert_allclose(columns["probability"], p, rtol=1e-12)
        assert columns["label"] == ["good" if x >= 0.5 else "bad" for x in p]


def test_columns_layout_of_one_reading_and_of_csv_answers(client):
    r = client.post("/v1/predict?model=lab&layout=columns&fields=label",
                    json={"temperature": 200, "duration": 13.9})
    assert r.json["predictions"] == {"label": ["good"]}
    # A CSV answer has a row per reading whatever the layout.
    r = client.post("/v1/predict?model=lab&layout=columns&fields=label",
                    data="temperature,duration\n200,13.9\n", content_type="text/csv",
                    headers={"Accept": "text/csv"})
    assert r.get_data(as_text=True) == "label\ngood\n"


@pytest.mark.parametrize("layout", ["", "column", "ROWS", "rows,columns"])
def test_an_unknown_layout_is_refused(client, layout):
    r = client.post(f"/v1/predict?layout={layout}", json={"temperature": 200, "duration": 13.9})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "layout must be one of rows, columns" in r.json["detail"]


@pytest.mark.parametrize("query", ["fields=", "fields=probability,", "fields=colour", "fields=label,,label",
                                   "fields=Probability"])
def test_unknown_or_empty_fields_are_refused(client, query):
    r = client.post(f"/v1/predict?{query}", json={"temperature": 200, "duration": 13.9})
    assert r.status_code == 422
    assert "fields must be a comma-separated list" in r.json["detail"]


def test_an_escaped_readings_key_is_a_batch(client):
    body = (b'{"re\\u0061dings": [{"temperature": 200, "duration": 13.9}, '
            b'{"temperature": 160, "duration": 13.5}]}')
    r = client.post("/v1/predict?model=lab", data=body, content_type="application/json")
    assert r.status_code == 200, r.json
    assert [p["label"] for p in r.json["predictions"]] == ["good", "bad"]


def test_the_word_readings_in_a_single_reading_does_not_make_it_a_batch(client):
    r = client.post("/v1/predict", json={"temperature": 200, "duration": 13.9, "note": "readings"})
    assert r.status_code == 422
    assert r.json["errors"] == [{"field": "note", "message": "is not a known field"}]


@pytest.mark.parametrize("body", [b'[1, 2]', b'"readings"', b'{"readings": 3}', b'{"readings": []}',
                                  b'{"readings": [{"temperature": 1e400, "duration": 1}]}',
                                  b'{"readings": [{"temperature": NaN, "duration": 1}]}',
                                  b'{"readings": [{"temperature": 200, "duration": 13}], "x": 1}'])
def test_odd_bodies_are_refused_not_crashed(client, body):
    r = client.post("/v1/predict", data=body, content_type="application/json")
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json", r.data


def test_integral_floats_are_integers(client):
    r = client.get("/v1/maps?model=lab&resolution=3.0")
    assert r.status_code == 200 and len(r.json["temperature"]) == 3
    assert client.get("/v1/maps?resolution=1e1").json["temperature"].__len__() == 10
    for bad in ("3.5", "inf", "nan", "three"):
        assert client.get(f"/v1/maps?resolution={bad}").status_code == 422


def test_retrain_takes_integral_floats(fresh_client, auth):
    r = fresh_client.post("/v1/retrain", json={"seeds": [3.0], "steps": 20.0, "hidden_units": 2.0},
                          headers={**auth, "Prefer": "wait=30"})
    assert r.status_code == 201, r.json
    assert r.json["request"]["seeds"] == [3] and r.json["request"]["steps"] == 20
    assert fresh_client.post("/v1/retrain", json={"seeds": [3.5]}, headers=auth).status_code == 422
    assert fresh_client.post("/v1/retrain", json={"seeds": [True]}, headers=auth).status_code == 422


def test_probabilities_of_the_trimmed_path_are_the_full_path_s_bits(client):
    rng = np.random.default_rng(7)
    readings = [{"temperature": float(t), "duration": float(d)}
                for t, d in zip(rng.uniform(0, 500, 300), rng.uniform(0.01, 120, 300), strict=True)]
    full = client.post("/v1/predict?model=lab", json={"readings": readings}).json["predictions"]
    trimmed = client.post("/v1/predict?model=lab&fields=probability",
                          json={"readings": readings}).json["predictions"]
    assert [p["probability"] for p in trimmed] == [p["probability"] for p in full]
    want = reference.proba(LAB, [r["temperature"] for r in readings], [r["duration"] for r in readings])
    assert all(math.isclose(p["probability"], w, rel_tol=1e-9, abs_tol=1e-300)
               for p, w in zip(trimmed, want, strict=True))


PLAIN = ["temperature", "duration", "temperature_unit", "probability", "label", "good_roast", "hidden",
         "extrapolated"]


def test_one_reading_trimmed_is_the_lab_network_by_hand_and_its_batch_answer(client):
    """A reading alone takes the one-reading pass: its plain fields are the hand forward pass,
    and the very bits the same reading gets inside a batch."""
    rng = np.random.default_rng(11)
    readings = [{"temperature": float(t), "duration": float(d)}
                for t, d in zip(rng.uniform(100, 320, 24), rng.uniform(10, 17, 24), strict=True)]
    readings += [{"temperature": 392.0, "duration": 13.9, "temperature_unit": "F"},
                 {"temperature": 150.0, "duration": 15.5}, {"temperature": 285.0, "duration": 11.5},
                 {"temperature": 149.99, "duration": 13.0}, {"temperature": 200.0, "duration": 15.51}]
    asked = ",".join(PLAIN)
    batch = client.post(f"/v1/predict?model=lab&fields={asked}&threshold=0.6",
                        json={"readings": readings}).json["predictions"]
    for reading, in_batch in zip(readings, batch, strict=True):
        r = client.post(f"/v1/predict?model=lab&fields={asked}&threshold=0.6", json=reading)
        assert r.status_code == 200, r.json
        [got] = r.json["predictions"]
        assert got == in_batch
        t = reading["temperature"]
        celsius = to_celsius(t) if reading.get("temperature_unit") == "F" else t
        d = reading["duration"]
        [p] = reference.proba(LAB, [celsius], [d])
        assert math.isclose(got["probability"], p, rel_tol=1e-12)
        assert got["label"] == ("good" if p >= 0.6 else "bad") and got["good_roast"] == (p >= 0.6)
        np.testing.assert_allclose(got["hidden"], reference.activations(LAB, celsius, d), rtol=1e-12)
        assert got["extrapolated"] == (not (150 <= celsius <= 285 and 11.5 <= d <= 15.5))
        assert (got["temperature"], got["duration"]) == (t, d)
        assert got["temperature_unit"] == reading.get("temperature_unit", "C")


def test_the_batch_limits_are_the_settings(tmp_path):
    from tests.service.conftest import make_app

    client = make_app(tmp_path, max_predict_readings=12_000, max_explain_readings=2).test_client()
    readings = [{"temperature": 200, "duration": 13.9}] * 12_000
    r = client.post("/v1/predict?fields=label", json={"readings": readings})
    assert r.status_code == 200 and len(r.json["predictions"]) == 12_000
    bad = readings[:-1] + [{"temperature": 200, "duration": -1}]
    r = client.post("/v1/predict", json={"readings": bad})
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "readings[11999].duration"
    r = client.post("/v1/predict", json={"readings": readings + readings[:1]})
    assert r.status_code == 422 and "at most 12000 readings" in r.json["detail"]
    r = client.post("/v1/explain", json={"readings": readings[:3]})
    assert r.status_code == 422 and "at most 2 readings" in r.json["detail"]
