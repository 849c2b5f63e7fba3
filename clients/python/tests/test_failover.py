"""Several replicas of one control plane (SPEC §9): a call fails over to the next replica that
answers, and a write moves on only when it surely was not applied where it went first.

The replicas are real HTTP servers on loopback that answer what each test tells them (the
real cluster is exercised by test/e2e/ha-chaos.e2e.test.ts); each records what it received.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from server_process import free_port, wait_until

from autonomic_client import KernelClient
from autonomic_client._transport import AutonomicRequestError, Transport

# (status, body), or (status, body, extra headers).
Answer = Callable[[str], Tuple[Any, ...]]


class Replica:
    def __init__(self, answer: Answer, delay: float = 0.0) -> None:
        self.paths: List[str] = []
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                replica.paths.append(self.path)
                if delay:
                    threading.Event().wait(delay)
                status, body, *extra = answer(self.path)
                raw = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (extra[0] if extra else {}).items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                try:
                    self.wfile.write(raw)
                except BrokenPipeError:
                    pass  # the client timed out and left

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def replicas() -> Iterator[Callable[..., Replica]]:
    started: List[Replica] = []

    def start(answer: Answer, delay: float = 0.0) -> Replica:
        r = Replica(answer, delay)
        started.append(r)
        return r

    yield start
    for r in started:
        r.close()


def ok(_path: str) -> Tuple[int, dict]:
    return 200, {"ok": True}


def test_failover_sends_a_write_past_a_refused_connection_and_a_replica_without_a_leader(replicas):
    dead = f"http://127.0.0.1:{free_port()}"
    no_leader = replicas(lambda _p: (503, {"error": "no leader is known", "code": "no_leader"}))
    live = replicas(ok)
    transport = Transport([dead, no_leader.url, live.url])
    assert transport.request("POST", "/api/rest/request/apollo_1", {}) == {"ok": True}
    assert (len(no_leader.paths), live.paths) == (1, ["/api/rest/request/apollo_1"])
    # The one that answered is asked first from now on.
    transport.request("POST", "/api/rest/end/apollo_1", {})
    assert len(no_leader.paths) == 1 and len(live.paths) == 2


def test_failover_fails_a_write_back_when_the_leader_died_while_applying_it(replicas):
    lost = replicas(lambda _p: (503, {"error": "the leader stopped", "code": "leader_lost"}))
    live = replicas(ok)
    transport = Transport([lost.url, live.url])
    with pytest.raises(AutonomicRequestError) as raised:
        transport.request("POST", "/api/rest/request/apollo_1", {})
    err = raised.value
    assert (err.code, err.not_applied, err.transient) == ("leader_lost", False, True)
    assert live.paths == []


def test_failover_fails_a_write_back_when_the_leaders_own_store_failed_its_commit(replicas):
    # The commit's outcome is unknown to the leader itself: sending it on could apply it twice.
    failed = replicas(lambda _p: (503, {"error": "the store failed", "code": "store_unavailable"}))
    live = replicas(ok)
    transport = Transport([failed.url, live.url])
    with pytest.raises(AutonomicRequestError) as raised:
        transport.request("POST", "/api/rest/request/apollo_1", {})
    assert (raised.value.code, raised.value.not_applied) == ("store_unavailable", False)
    assert live.paths == []


def test_failover_sends_a_write_on_after_a_503_carrying_the_retry_header(replicas):
    starting = replicas(lambda _p: (503, {"error": "taking over"}, {"x-autonomic-retry": "leader"}))
    live = replicas(ok)
    transport = Transport([starting.url, live.url])
    assert transport.request("POST", "/api/rest/request/apollo_1", {}) == {"ok": True}
    assert live.paths == ["/api/rest/request/apollo_1"]


def test_failover_of_a_timed_out_write_is_left_to_its_caller_but_a_read_moves_on(replicas):
    slow = replicas(ok, delay=1.0)
    live = replicas(ok)
    transport = Transport([slow.url, live.url], timeout=0.2)
    with pytest.raises(AutonomicRequestError) as raised:
        transport.request("POST", "/api/rest/fatigue/apollo_1", {"phi": 0.5})
    assert raised.value.status is None and raised.value.not_applied is False
    assert live.paths == []
    transport.request("GET", "/api/rest/status")
    transport.request("POST", "/api/self-healing/snapshots", {"snapshots": []}, repeatable=True)
    assert live.paths == ["/api/rest/status", "/api/self-healing/snapshots"]


def test_failover_of_a_kernel_clients_buffered_reports_reaches_the_replica_that_comes_up(replicas):
    up = threading.Event()
    dead = f"http://127.0.0.1:{free_port()}"
    taking_over = (503, {"error": "taking over", "code": "no_leader"})
    live = replicas(lambda _p: (200, {}) if up.is_set() else taking_over)
    client = KernelClient(
        "apollo_1", "Apollo", url=[dead, live.url], flush_interval=0.05, retry_initial=0.05, retry_max=0.2
    )
    try:
        client.report({"phi": 0.7, "kappa_eff": 64.0})
        assert client.flush(timeout=0.3) is False
        assert client.stats().buffered == 1 and client.stats().retries >= 1
        up.set()
        # The background sender tries again once the cool-down is over.
        assert wait_until(lambda: client.stats().buffered == 0, timeout=5.0)
        assert "/api/self-healing/snapshots" in live.paths
    finally:
        client.close(timeout=0.5)
