"""10,000 readings end to end over HTTP: full JSON, trimmed JSON and CSV, side by side."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import orjson
import requests

from benchmarks.common import table
from tests.server import Server

N = 10_000
REPEAT = 9


def _readings() -> list[dict[str, float]]:
    return [{"temperature": 150 + i % 135, "duration": 11.5 + (i % 40) / 10} for i in range(N)]


def _median_ms(session: requests.Session, url: str, body: bytes,
               headers: dict[str, str]) -> tuple[float, int]:
    times = []
    for _ in range(REPEAT + 1):
        start = time.perf_counter()
        r = session.post(url, data=body, headers=headers)
        _ = r.content
        times.append(time.perf_counter() - start)
        assert r.status_code == 200, r.text[:300]
    return statistics.median(times[1:]) * 1e3, len(r.content)


def main() -> None:
    readings = _readings()
    as_json = orjson.dumps({"readings": readings})
    as_csv = ("temperature,duration\n" + "".join(f"{r['temperature']},{r['duration']}\n"
                                                 for r in readings)).encode()
    json_in = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
    csv_in = {"Content-Type": "text/csv", "Accept-Encoding": "identity"}
    cases = [
        ("full JSON (every field, explained; the answer before ?fields=)", "", as_json, json_in),
        ("JSON, ?fields=probability,label", "?fields=probability,label", as_json, json_in),
        ("JSON, ?fields=probability,label&layout=columns", "?fields=probability,label&layout=columns",
         as_json, json_in),
        ("JSON, ?fields=label", "?fields=label", as_json, json_in),
        ("CSV in, JSON out, ?fields=probability,label", "?fields=probability,label", as_csv, csv_in),
        ("CSV in, CSV out, ?fields=probability,label", "?fields=probability,label", as_csv,
         {**csv_in, "Accept": "text/csv"}),
        ("JSON in, CSV out (default columns, with reasons)", "", as_json, {**json_in, "Accept": "text/csv"}),
    ]
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "data", workers=2) as server:
        session = requests.Session()
        url = server.url + "/v1/predict"
        rows = []
        for name, query, body, headers in cases:
            ms, size = _median_ms(session, url + query, body, headers)
            rows.append([name, ms, len(body), size])
    base = rows[0][1]
    table(f"POST /v1/predict, {N:,} readings over HTTP (keep-alive client, median of {REPEAT}; "
          "gunicorn 2 workers; the client's own JSON/CSV decoding not included)",
          ["answer", "ms", "bytes in", "bytes out", "× full JSON time"],
          [[*row, row[1] / base] for row in rows])


if __name__ == "__main__":
    main()
