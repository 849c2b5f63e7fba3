"""KernelClient against a live server: batched reports, directives, and remediation actions
run once through their handlers and answered.

A sandbox action is triggered as an operator would: the healing phase is advanced to 2
(forced, with a reason) and ``POST /api/self-healing/evaluate-patch`` asks for a patch; the
server sends the kernel a dry-run action in its next directive and waits for the answer.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Tuple

import pytest
from server_process import get_json, post_json, wait_until

from autonomic_client import ActionContext, AutonomicRequestError, KernelClient

SNAPSHOT = {"phi": 0.78, "kappa_eff": 64.0, "avg_latency_ms": 120.0, "memory_mb": 300.0}
PREDICTED = {"phi": 0.8, "kappa_eff": 64.0, "error_rate": 0.0, "avg_latency": 110.0}


@pytest.fixture
def client(server):
    c = KernelClient(
        "apollo_1", "Apollo", url=server.url, flush_interval=0.05, retry_initial=0.05, retry_max=0.5
    )
    yield c
    c.close(timeout=1.0)


def start_sandbox(server, body: Dict[str, Any]) -> Tuple[threading.Thread, Dict[str, Any]]:
    """Advances to phase 2 and asks for a patch in a thread (the call waits for the kernel's answer)."""
    post_json(f"{server.url}/api/self-healing/phase/advance", {"force": True, "reason": "python client test"})
    outcome: Dict[str, Any] = {}

    def evaluate() -> None:
        try:
            outcome["reply"] = post_json(f"{server.url}/api/self-healing/evaluate-patch", body, timeout=60)
        except Exception as err:  # reported by the test below
            outcome["error"] = err

    thread = threading.Thread(target=evaluate, daemon=True)
    thread.start()
    return thread, outcome


def report_until(client: KernelClient, predicate, timeout: float = 20.0) -> bool:
    """Reports a snapshot and flushes, again and again, until ``predicate`` holds."""

    def step() -> bool:
        client.report(SNAPSHOT)
        client.flush()
        return bool(predicate())

    return wait_until(step, timeout=timeout, interval=0.1)


def test_register_and_report_a_batch_then_read_the_directive(client, server):
    kernel = client.register()
    assert kernel is not None and kernel["kernel_name"] == "Apollo"
    assert client.register()["kernel_id"] == "apollo_1"  # idempotent
    client.report_many(dict(SNAPSHOT, phi=0.7 + 0.01 * i) for i in range(25))
    assert client.flush() is True
    stats = client.stats()
    assert (stats.sent, stats.buffered, stats.rejected) == (25 + 2, 0, 0)
    stored = get_json(f"{server.url}/api/self-healing/snapshots?kernel_id=apollo_1&limit=100")["snapshots"]
    assert len(stored) == 25
    directive = client.directive
    assert directive is not None
    assert (directive["rest"]["status"], directive["actions"]) == ("active", [])


def test_a_refused_snapshot_is_dropped_and_counted_and_the_rest_of_the_batch_is_kept(client, server):
    client.report(SNAPSHOT)
    client.report(dict(SNAPSHOT, phi=1.5))  # out of range: the server names snapshots[1].phi
    client.report(dict(SNAPSHOT, phi=float("nan")))  # not JSON: refused before it is queued
    client.report(SNAPSHOT)
    assert client.flush() is True
    stats = client.stats()
    assert (stats.rejected, stats.sent) == (2, 2)
    stored = get_json(f"{server.url}/api/self-healing/snapshots?kernel_id=apollo_1")["snapshots"]
    assert len(stored) == 2


def test_the_directive_carries_the_rest_status_and_auto_rest_asks_for_it(server):
    athena = KernelClient("athena_1", "Athena", url=server.url)
    apollo = KernelClient("apollo_1", "Apollo", url=server.url, auto_rest=True)
    try:
        athena.register()
        apollo.register()
        assert athena.report_fatigue(0.8, 64.21)["should_rest"] is False
        apollo.report_fatigue(0.8, 64.21)
        reply = apollo.report_fatigue(0.05, 10.0)
        assert reply["should_rest"] is True and reply["directive"]["rest"]["should_rest"] is True
        # auto_rest asked for the rest; the next directive says it rests, covered by Athena.
        assert wait_until(
            lambda: get_json(f"{server.url}/api/rest/status/apollo_1")["kernel"]["status"] == "resting"
        )
        rest = apollo.report_fatigue(0.3, 60.0)["directive"]["rest"]
        assert (rest["status"], rest["covered_by"]) == ("resting", "athena_1")
        assert athena.report_fatigue(0.8, 64.21)["directive"]["rest"]["covering_for"] == "apollo_1"
        assert apollo.end_rest()["status"] == "active"
        with pytest.raises(AutonomicRequestError) as refused:
            apollo.end_rest()
        assert refused.value.status == 409
    finally:
        athena.close(timeout=0.5)
        apollo.close(timeout=0.5)


def test_a_sandbox_action_runs_once_through_its_handler_and_is_answered(client, server):
    calls: List[Tuple[Dict[str, Any], ActionContext]] = []

    def boost(params: Dict[str, Any], context: ActionContext) -> Dict[str, Any]:
        calls.append((params, context))
        return PREDICTED

    client.handle("integration_boost", boost)
    client.register()
    client.report(SNAPSHOT)
    assert client.flush()
    thread, outcome = start_sandbox(
        server, {"kernel_id": "apollo_1", "type": "integration_boost", "params": {"factor": 1.2}}
    )

    assert report_until(client, lambda: calls), "the action never reached its handler"
    thread.join(timeout=30)
    assert not thread.is_alive() and "error" not in outcome, outcome
    # The server repeats a pending action until answered; later directives must not rerun it.
    for _ in range(3):
        client.report(SNAPSHOT)
        client.flush()
    assert client.wait_for_actions(timeout=5)

    assert len(calls) == 1
    params, context = calls[0]
    assert params == {"factor": 1.2}
    assert (context.type, context.dry_run) == ("integration_boost", True)
    patch = outcome["reply"]["patch"]
    assert context.patch_id == patch["patch_id"] and context.action_id == patch["sandbox"]["action_id"]
    action = get_json(f"{server.url}/api/self-healing/actions/{context.action_id}")["action"]
    assert action["status"] == "succeeded"
    assert action["result"] == {"ok": True, "predicted": PREDICTED}
    assert client.stats().actions_answered == 1
    assert client.directive["actions"] == []


@pytest.mark.parametrize(
    ("handler", "expected_error"),
    [
        pytest.param(None, "no handler for action type enable_cache", id="no handler"),
        pytest.param("raise", "cache is full", id="handler raises"),
    ],
)
def test_an_action_the_kernel_cannot_run_is_answered_as_failed(client, server, handler, expected_error):
    def full_cache(params: Dict[str, Any], context: ActionContext) -> None:
        raise RuntimeError("cache is full")

    if handler == "raise":
        client.handle("enable_cache", full_cache)
    client.register()
    client.report(SNAPSHOT)
    assert client.flush()
    thread, outcome = start_sandbox(
        server, {"kernel_id": "apollo_1", "type": "enable_cache", "params": {"entries": 500}}
    )

    def answered() -> bool:
        actions = get_json(f"{server.url}/api/self-healing/actions?kernel_id=apollo_1")["actions"]
        return bool(actions) and actions[0]["status"] != "pending"

    assert report_until(client, answered)
    thread.join(timeout=30)
    (action,) = get_json(f"{server.url}/api/self-healing/actions?kernel_id=apollo_1")["actions"]
    assert action["status"] == "failed"
    assert action["result"] == {"ok": False, "error": expected_error}
    assert outcome["reply"]["patch"]["state"] in ("sandboxed", "rejected")
