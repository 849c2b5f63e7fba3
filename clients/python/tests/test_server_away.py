"""A control plane that is away never raises into the kernel's work: its calls return, its
reports wait in a bounded buffer, and they reach the server once it comes up (started here
after the clients, on a port chosen beforehand)."""

from __future__ import annotations

import pytest
from server_process import free_port, get_json, wait_until

from autonomic_client import GeometricHealthMonitor, KernelClient
from autonomic_client.kernel_rest_scheduler import FatigueMetrics, KernelRestScheduler, kappa_stability

FAST_RETRY = {"retry_initial": 0.05, "retry_max": 0.5}


def test_calls_return_while_away_and_buffered_reports_arrive_when_the_server_comes_up(start_server):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    scheduler = KernelRestScheduler(url=url, **FAST_RETRY)
    monitor = GeometricHealthMonitor(url=url, kernel_id="apollo_1", **FAST_RETRY)
    client = KernelClient("hermes_1", "Hermes", url=url, flush_interval=0.05, **FAST_RETRY)
    try:
        # The kernel's own calls all return, with the answers of a scheduler that cannot decide.
        assert scheduler.register_kernel("apollo_1", "Apollo") is None
        samples = [(0.8, 64.0, 0.2), (0.6, 55.0, 0.4), (0.5, 50.0, 0.6)]
        for phi, kappa, load in samples:
            assert scheduler.update_fatigue("apollo_1", phi=phi, kappa=kappa, load=load) is None
        should, reason = scheduler.should_rest("apollo_1")
        assert should is False and "not available" in reason
        approved, reason, partner = scheduler.request_rest("apollo_1")
        assert (approved, partner) == (False, None) and "not available" in reason
        assert scheduler.end_rest("apollo_1") is None
        assert scheduler.get_rest_status("apollo_1") is None
        assert scheduler.get_coupling_partners("apollo_1") == []
        assert len(scheduler.kernel_states) == 0
        constellation = scheduler.get_constellation_status()
        assert (constellation["total_kernels"], constellation["scheduler_available"]) == (0, False)

        phis = [0.70 + 0.01 * i for i in range(12)]
        for phi in phis:
            snapshot = monitor.capture_snapshot({"phi": phi, "kappa_eff": 63.0, "avg_latency_ms": 120.0})
            assert snapshot.phi == phi and snapshot.regime == "hierarchical"
        degradation = monitor.detect_degradation()
        assert degradation["degraded"] is False and "unreachable" in degradation["message"]
        summary = monitor.get_health_summary()
        assert (summary["status"], summary["current_phi"]) == ("unknown", phis[-1])

        assert client.register() is None
        client.report_many({"phi": 0.75, "kappa_eff": 64.0} for _ in range(5))
        assert client.report_fatigue(0.75, 64.0) is None
        assert client.flush(timeout=0.5) is False

        # register + 3 fatigue reports + the end of rest; 12 snapshots; register + 5 snapshots.
        assert scheduler.pending_reports == 5
        assert monitor.pending_reports == 12
        assert client.stats().buffered == 6
        assert scheduler.stats().retries >= 1 and scheduler.stats().dropped == 0

        server = start_server(port=port)
        assert server.url == url
        assert wait_until(
            lambda: (
                scheduler.pending_reports == 0
                and monitor.pending_reports == 0
                and client.stats().buffered == 0
            ),
            timeout=20,
        ), (scheduler.stats(), monitor.stats(), client.stats())

        apollo = get_json(f"{url}/api/rest/status/apollo_1")["kernel"]
        # Sent in order: the score is the last sample's, with the trend from the one before.
        (phi0, _, _), (phi, kappa, load) = samples[-2], samples[-1]
        expected = FatigueMetrics(
            phi, phi - phi0, kappa_stability(kappa), load, 0.0, 0.0
        ).compute_fatigue_score()
        assert apollo["fatigue_score"] == pytest.approx(expected, abs=1e-3)
        assert apollo["status"] == "active"  # the buffered end of rest found nothing to end

        stored = get_json(f"{url}/api/self-healing/snapshots?kernel_id=apollo_1&limit=100")["snapshots"]
        assert sorted(s["phi"] for s in stored) == pytest.approx(phis)
        assert monitor.get_health_summary()["snapshots_collected"] == 12

        assert get_json(f"{url}/api/rest/status/hermes_1")["kernel"]["kernel_name"] == "Hermes"
        hermes = get_json(f"{url}/api/self-healing/snapshots?kernel_id=hermes_1&limit=100")["snapshots"]
        assert len(hermes) == 5
        assert client.directive is not None and client.directive["rest"]["status"] == "active"

        # Back to normal: the scheduler decides again.
        assert scheduler.should_rest("apollo_1")[1] != "No fatigue metrics"
    finally:
        for closer in (scheduler, monitor, client):
            closer.close(timeout=0.5)


def test_a_full_buffer_drops_the_oldest_reports_but_keeps_the_registration(start_server):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    scheduler = KernelRestScheduler(url=url, buffer_limit=3, **FAST_RETRY)
    try:
        scheduler.register_kernel("athena_1", "Athena")
        phis = [0.9, 0.8, 0.7, 0.6, 0.3]
        for phi in phis:
            scheduler.update_fatigue("athena_1", phi=phi, kappa=64.21)
        stats = scheduler.stats()
        assert (stats.buffered, stats.dropped) == (3, 3)

        start_server(port=port)
        assert wait_until(lambda: scheduler.pending_reports == 0, timeout=20), scheduler.stats()
        kernel = get_json(f"{url}/api/rest/status/athena_1")["kernel"]
        # Only the last two samples reached the server: the trend is 0.3 − 0.6.
        expected = FatigueMetrics(0.3, 0.3 - 0.6, 1.0, 0.0, 0.0, 0.0).compute_fatigue_score()
        assert kernel["fatigue_score"] == pytest.approx(expected, abs=1e-3)
        assert scheduler.stats().sent == 3
    finally:
        scheduler.close(timeout=0.5)


def test_several_urls_fail_over_to_the_one_that_answers(server):
    dead = f"http://127.0.0.1:{free_port()}"
    scheduler = KernelRestScheduler(url=f"{dead}, {server.url}")
    try:
        scheduler.register_kernel("ares_1", "Ares")
        status = scheduler.get_rest_status("ares_1")
        assert status is not None and status["kernel_name"] == "Ares"
        assert scheduler.pending_reports == 0
    finally:
        scheduler.close(timeout=0.5)
