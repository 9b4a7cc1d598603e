"""Compressed answers, decoded with the codecs' own libraries and compared with the plain answer."""

import gzip

import brotli
import pytest
import requests
from backports import zstd

from tests.server import Server

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}
BATCH = {"readings": [{"temperature": 150 + i % 135, "duration": 11.5 + (i % 40) / 10} for i in range(2000)]}


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_a_large_answer_is_compressed_when_asked(client, coding):
    plain = client.post("/v1/predict", json=BATCH, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    packed = client.post("/v1/predict", json=BATCH, headers={"Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) < len(plain.data) / 5
    assert DECODE[coding](packed.data) == plain.data


def test_the_clients_preference_wins_and_ties_go_to_zstd(client):
    r = client.get("/v1/maps?resolution=40", headers={"Accept-Encoding": "gzip;q=1, br;q=0.5"})
    assert r.headers["Content-Encoding"] == "gzip"
    r = client.get("/v1/maps?resolution=40", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert r.headers["Content-Encoding"] == "zstd"


def test_small_answers_and_unasked_ones_stay_plain(client):
    r = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers and r.headers["Vary"] == "Accept-Encoding"
    r = client.get("/v1/maps?resolution=40")
    assert "Content-Encoding" not in r.headers
    r = client.get("/v1/maps?resolution=40", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in r.headers


def test_compressed_over_real_http(tmp_path):
    with Server(tmp_path / "data", workers=2) as server:
        url = server.url + "/v1/predict"
        plain = requests.post(url, json=BATCH, headers={"Accept-Encoding": "identity"}, timeout=30)
        r = requests.post(url, json=BATCH, headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
        raw = r.raw.read(decode_content=False)
        assert r.headers["Content-Encoding"] == "gzip" and len(raw) == int(r.headers["Content-Length"])
        assert gzip.decompress(raw) == plain.content
