"""Tokens: a server started with AUTONOMIC_KERNEL_TOKEN / AUTONOMIC_OPERATOR_TOKEN, and clients
that send the bearer token from AUTONOMIC_TOKEN (or their ``token`` argument)."""

from __future__ import annotations

import pytest
from server_process import get_json

from autonomic_client import GeometricHealthMonitor, KernelClient
from autonomic_client.kernel_rest_scheduler import KernelRestScheduler, get_rest_scheduler

KERNEL_TOKEN = "kernel-token-for-python-tests"
OPERATOR_TOKEN = "operator-token-for-python-tests"


@pytest.fixture
def guarded(start_server):
    return start_server(
        env={"AUTONOMIC_KERNEL_TOKEN": KERNEL_TOKEN, "AUTONOMIC_OPERATOR_TOKEN": OPERATOR_TOKEN}
    )


def test_the_token_from_the_environment_lets_a_kernel_register_and_report(guarded, monkeypatch):
    monkeypatch.setenv("AUTONOMIC_URL", guarded.url)
    monkeypatch.setenv("AUTONOMIC_TOKEN", KERNEL_TOKEN)
    scheduler = get_rest_scheduler()
    scheduler.register_kernel("apollo_1", "Apollo")
    scheduler.update_fatigue("apollo_1", phi=0.6, kappa=60.0)
    status = get_json(f"{guarded.url}/api/rest/status/apollo_1", token=KERNEL_TOKEN)["kernel"]
    assert status["fatigue_score"] > 0
    assert scheduler.stats().rejected == 0

    monitor = GeometricHealthMonitor(kernel_id="apollo_1")
    monitor.capture_snapshot({"phi": 0.78, "kappa_eff": 64.0})
    assert monitor.flush() is True
    assert monitor.get_health_summary()["snapshots_collected"] == 1
    monitor.close(timeout=0.5)


def test_without_a_valid_token_writes_are_refused_and_nothing_is_registered(guarded):
    for token in (None, "not-the-token-at-all"):
        scheduler = KernelRestScheduler(url=guarded.url, token=token or "")
        scheduler.register_kernel("apollo_1", "Apollo")  # refused (401): logged, never raised
        assert scheduler.stats().rejected == 1
        assert scheduler.pending_reports == 0  # a refusal is not retried
        scheduler.close(timeout=0.5)
    kernels = get_json(f"{guarded.url}/api/rest/kernels", token=OPERATOR_TOKEN)
    assert kernels["count"] == 0


def test_a_forced_rest_needs_the_operator_token(guarded):
    kernel = KernelRestScheduler(url=guarded.url, token=KERNEL_TOKEN)
    operator = KernelRestScheduler(url=guarded.url, token=OPERATOR_TOKEN)
    try:
        kernel.register_kernel("apollo_1", "Apollo")
        kernel.update_fatigue("apollo_1", phi=0.8, kappa=64.21)
        kernel.update_fatigue("apollo_1", phi=0.05, kappa=10.0)
        approved, reason, partner = kernel.request_rest("apollo_1", force=True)
        assert (approved, partner) == (False, None) and reason.startswith("Not permitted")
        assert kernel.get_rest_status("apollo_1")["status"] == "active"
        assert operator.request_rest("apollo_1", force=True) == (
            True,
            "Emergency rest approved (no coverage available)",
            None,
        )
    finally:
        kernel.close(timeout=0.5)
        operator.close(timeout=0.5)


def test_kernel_client_takes_its_token_from_the_environment(guarded, monkeypatch):
    monkeypatch.setenv("AUTONOMIC_URL", guarded.url)
    monkeypatch.setenv("AUTONOMIC_TOKEN", KERNEL_TOKEN)
    with KernelClient("hermes_1", "Hermes", flush_interval=0.0) as client:
        assert client.register()["tier"] == "essential"
        client.report({"phi": 0.78, "kappa_eff": 64.0})
        assert client.flush() is True
        assert client.stats().rejected == 0


def test_the_server_fixture_says_to_build_when_dist_is_missing(tmp_path, monkeypatch):
    import server_process

    monkeypatch.setattr(server_process, "SERVER_MAIN", tmp_path / "dist" / "cli" / "main.js")
    with pytest.raises(server_process.ServerMissing, match="npm run build"):
        server_process.ServerProcess(tmp_path).start()


def test_a_kernel_scoped_token_acts_for_its_own_kernel_alone(guarded):
    """The operator mints a token for apollo_1 (POST /api/access/tokens); the client takes it
    as its token: it reports for apollo_1, and a report for athena_1 is refused (403) without
    raising into the kernel's work."""
    from server_process import post_json

    minted = post_json(
        f"{guarded.url}/api/access/tokens", {"kernel_id": "apollo_1"}, token=OPERATOR_TOKEN
    )
    scoped = minted["token"]
    operator = KernelRestScheduler(url=guarded.url, token=OPERATOR_TOKEN)
    apollo = KernelRestScheduler(url=guarded.url, token=scoped)
    try:
        operator.register_kernel("athena_1", "Athena")
        apollo.register_kernel("apollo_1", "Apollo")
        apollo.update_fatigue("apollo_1", phi=0.6, kappa=60.0)
        assert apollo.stats().rejected == 0
        status = get_json(f"{guarded.url}/api/rest/status/apollo_1", token=scoped)["kernel"]
        assert status["fatigue_score"] > 0

        apollo.update_fatigue("athena_1", phi=0.1, kappa=10.0)  # another kernel's: refused
        assert apollo.stats().rejected == 1
        athena = get_json(f"{guarded.url}/api/rest/status/athena_1", token=OPERATOR_TOKEN)["kernel"]
        assert athena["fatigue_score"] == 0
    finally:
        apollo.close(timeout=0.5)
        operator.close(timeout=0.5)
