"""The drop-in GeometricHealthMonitor against a live server: SPEC §4's verdicts in the
original's dict shapes."""

from __future__ import annotations

from datetime import datetime

import pytest
from server_process import get_json

from autonomic_client import GeometricHealthMonitor


@pytest.fixture
def monitor(server):
    m = GeometricHealthMonitor(url=server.url, kernel_id="apollo_1")
    yield m
    m.close(timeout=0.5)


def healthy_state(**overrides):
    state = {
        "phi": 0.78,
        "kappa_eff": 64.0,
        "basin_coords": [0.5, 0.5, 0.5, 0.5],
        "avg_latency_ms": 120.0,
        "memory_mb": 300.0,
        "error_rate": 0.0,
    }
    state.update(overrides)
    return state


def test_before_any_snapshot_there_is_no_data(monitor):
    assert monitor.get_health_summary() == {"status": "no data", "snapshots_collected": 0}
    assert monitor.detect_degradation()["message"] == "Insufficient history for analysis"


def test_fewer_than_ten_snapshots_are_insufficient_history(monitor):
    for _ in range(3):
        monitor.capture_snapshot(healthy_state())
    degradation = monitor.detect_degradation()
    assert degradation == {
        "degraded": False,
        "issues": [],
        "severity": "normal",
        "message": "Insufficient history for analysis",
    }
    summary = monitor.get_health_summary()
    assert (summary["status"], summary["snapshots_collected"]) == ("healthy", 3)


def test_a_healthy_kernel_is_reported_healthy_with_the_original_summary_keys(monitor):
    for _ in range(12):
        snapshot = monitor.capture_snapshot(healthy_state())
    assert snapshot.regime == "hierarchical" and snapshot.avg_latency_ms == 120.0
    assert len(monitor.snapshots) == 12
    degradation = monitor.detect_degradation()
    assert (degradation["degraded"], degradation["severity"], degradation["issues"]) == (False, "normal", [])
    summary = monitor.get_health_summary()
    assert summary["status"] == "healthy"
    assert summary["snapshots_collected"] == 12
    assert (summary["current_phi"], summary["current_kappa"], summary["current_regime"]) == (
        0.78,
        64.0,
        "hierarchical",
    )
    assert summary["basin_drift"] == pytest.approx(0.0, abs=1e-6)
    assert summary["issues"] == []
    datetime.fromisoformat(summary["last_snapshot"])


def test_a_degraded_kernel_lists_its_issues_as_strings_with_the_worst_severity(monitor):
    for _ in range(12):
        monitor.capture_snapshot(healthy_state(phi=0.6, kappa_eff=40.0, avg_latency_ms=3000.0))
    degradation = monitor.detect_degradation()
    assert degradation["degraded"] is True
    assert degradation["severity"] == "critical"  # average Φ 0.6 < 0.65
    issues = degradation["issues"]
    assert issues and all(isinstance(i, str) for i in issues)
    assert any("latency" in i.lower() for i in issues)
    metrics = degradation["metrics"]
    assert (metrics["phi_current"], metrics["kappa_current"], metrics["latency_ms"]) == (0.6, 40.0, 3000.0)
    assert metrics["phi_avg"] == pytest.approx(0.6)
    assert metrics["kappa_deviation"] == pytest.approx(24.21)
    datetime.fromisoformat(degradation["timestamp"])
    assert degradation["findings"], "the server's structured findings are kept"
    summary = monitor.get_health_summary()
    assert summary["status"] == "critical" and len(summary["issues"]) == len(issues)


def test_the_originals_field_names_and_sphere_basins_reach_the_server_as_ours(monitor, server):
    monitor.capture_snapshot(
        {
            "phi": 0.78,
            "kappa_eff": 64.0,
            "basin_coordinates": [1.0, -2.0, 3.0],
            "avg_latency": 2500.0,
            "memory_usage_mb": 420.0,
            "cpu_usage_pct": 12.5,
        }
    )
    assert monitor.flush() is True
    (row,) = get_json(f"{server.url}/api/self-healing/snapshots?kernel_id=apollo_1")["snapshots"]
    assert (row["avg_latency_ms"], row["memory_mb"], row["cpu_pct"]) == (2500.0, 420.0, 12.5)
    # A sphere vector (the original's form) maps to the simplex by p_i = x_i² / Σx².
    assert row["basin"] == pytest.approx([1 / 14, 4 / 14, 9 / 14], abs=1e-6)


def test_set_baseline_moves_the_reference_basin(monitor):
    monitor.capture_snapshot(healthy_state(basin_coords=[1.0, 0.0, 0.0, 0.0]))
    monitor.capture_snapshot(healthy_state(basin_coords=[0.0, 1.0, 0.0, 0.0]))
    drift_before = monitor.get_health_summary()["basin_drift"]
    assert drift_before == pytest.approx(3.14159, abs=1e-3)  # orthogonal basins: π, the maximum
    monitor.capture_snapshot(healthy_state(basin_coords=[0.0, 1.0, 0.0, 0.0], set_baseline=True))
    assert monitor.get_health_summary()["basin_drift"] == pytest.approx(0.0, abs=1e-6)
    assert monitor.baseline_basin == [0.0, 1.0, 0.0, 0.0]


def test_a_state_the_server_would_refuse_is_not_sent_with_a_silent_default(monitor, server):
    snapshot = monitor.capture_snapshot({"kappa_eff": 64.0})
    assert snapshot.phi == 0.5  # the original's local default, for the caller
    monitor.capture_snapshot({"phi": 0.7, "kappa_eff": float("inf")})
    monitor.capture_snapshot({"phi": 0.7, "kappa_eff": 64.0, "basin_coords": ["north", None]})
    assert monitor.stats().rejected == 3
    assert monitor.pending_reports == 0
    assert monitor.get_health_summary() == {"status": "no data", "snapshots_collected": 0}
