"""Keep-alive under real gunicorn: connections are reused, spread over the workers, and refusals
written by gunicorn itself still close the connection as problem+json."""

import http.client
import threading

from tests.server import Server, established

BODY = b'{"temperature": 200, "duration": 13.9}'
J = {"Content-Type": "application/json"}


def test_one_connection_carries_many_requests(tmp_path):
    with Server(tmp_path / "data", workers=2) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        ports = set()
        for _ in range(20):
            conn.request("POST", "/v1/predict", BODY, J)
            r = conn.getresponse()
            assert r.status == 200 and r.getheader("Connection") != "close"
            r.read()
            ports.add(conn.sock.getsockname()[1])
        assert len(ports) == 1  # the same client socket throughout: no reconnects
        conn.close()


def test_a_burst_of_connections_is_spread_over_the_workers(tmp_path):
    with Server(tmp_path / "data", workers=2) as server:
        for attempt in range(3):  # fresh bursts; each must come out even
            conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(16)]
            start = threading.Barrier(16)

            def ask(conn, start=start):
                start.wait()
                for _ in range(5):
                    conn.request("POST", "/v1/predict", BODY, J)
                    r = conn.getresponse()
                    r.read()
                    assert r.status == 200

            threads = [threading.Thread(target=ask, args=(c,)) for c in conns]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            held = [established(pid, server.port) for pid in server.worker_pids()]
            for c in conns:
                c.close()
            assert sum(held) == 16, held
            assert max(held) - min(held) <= 2, (attempt, held)
