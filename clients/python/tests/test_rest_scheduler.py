"""The drop-in kernel_rest_scheduler against a live server, through SPEC §3's scenarios.

Registry facts used (registry/pantheon.yaml): Heart is essential with policy `never`; Hermes
is essential, `minimal_rotating`, partner Artemis; Apollo and Athena are specialized,
`coordinated_alternating`, each other's partner.
"""

from __future__ import annotations

import pytest
from helpers import EXHAUSTED, FRESH, TIRED, make_exhausted, make_fresh, make_tired

from autonomic_client.kernel_rest_scheduler import (
    FatigueMetrics,
    GodTier,
    KernelRestScheduler,
    KernelRestState,
    RestStatus,
    get_rest_scheduler,
    kappa_stability,
    reset_rest_scheduler,
)

ORIGINAL_STATUS_KEYS = {
    "kernel_id",
    "kernel_name",
    "tier",
    "rest_policy",
    "status",
    "fatigue_score",
    "is_resting",
    "covered_by",
    "covering_for",
    "rest_count",
    "total_rest_time",
    "time_in_status",
}
CONSTELLATION_KEYS = {
    "total_kernels",
    "active_kernels",
    "resting_kernels",
    "covering_kernels",
    "essential_active",
    "avg_fatigue",
    "coverage_active",
}


@pytest.fixture
def scheduler(server) -> KernelRestScheduler:
    s = KernelRestScheduler(url=server.url)
    yield s
    s.close()


def test_a_registered_kernel_has_the_original_status_fields_and_its_registry_tier(scheduler):
    scheduler.register_kernel("heart_1", "Heart")
    status = scheduler.get_rest_status("heart_1")
    assert status is not None
    assert ORIGINAL_STATUS_KEYS <= set(status)
    assert (status["kernel_name"], status["tier"], status["rest_policy"]) == ("Heart", "essential", "never")
    assert (status["status"], status["is_resting"], status["rest_count"]) == ("active", False, 0)
    # Registering the same pair again changes nothing.
    scheduler.register_kernel("heart_1", "Heart")
    assert scheduler.get_constellation_status()["total_kernels"] == 1


def test_unknown_kernels_and_gods_get_the_originals_answers_without_raising(scheduler):
    scheduler.register_kernel("zz_1", "Zagreus")  # not a god of the registry: logged, not registered
    assert scheduler.get_rest_status("zz_1") is None
    assert scheduler.should_rest("zz_1") == (False, "Kernel not registered")
    assert scheduler.request_rest("zz_1") == (False, "Kernel not registered", None)
    assert scheduler.get_coupling_partners("zz_1") == []
    scheduler.update_fatigue("zz_1", phi=0.5, kappa=60.0)  # unknown: logged, returns None
    scheduler.end_rest("zz_1")
    assert "zz_1" not in scheduler.kernel_states
    assert scheduler.stats().rejected >= 2


def test_a_god_is_singular_so_a_second_apollo_is_not_registered(scheduler):
    scheduler.register_kernel("apollo_1", "Apollo")
    scheduler.register_kernel("apollo_2", "Apollo")
    assert scheduler.get_rest_status("apollo_2") is None
    assert list(scheduler.kernel_states) == ["apollo_1"]


def test_update_fatigue_is_scored_by_the_server_as_spec_section_3_says(scheduler):
    scheduler.register_kernel("athena_1", "Athena")
    assert scheduler.should_rest("athena_1") == (False, "No fatigue metrics")
    scheduler.update_fatigue("athena_1", phi=0.6, kappa=50.0, load=0.5, error_rate=0.1)
    scheduler.update_fatigue("athena_1", phi=0.4, kappa=40.0, load=0.7, error_rate=0.2)
    expected = FatigueMetrics(
        phi_current=0.4,
        phi_trend=0.4 - 0.6,
        kappa_stability=kappa_stability(40.0),
        load_current=0.7,
        time_since_rest=0.0,  # seconds since registration: its 0.05·t/3600 term is below the tolerance
        error_rate=0.2,
    ).compute_fatigue_score()
    status = scheduler.get_rest_status("athena_1")
    assert status["fatigue_score"] == pytest.approx(expected, abs=1e-3)
    state = scheduler.kernel_states["athena_1"]
    assert state.fatigue is not None and state.fatigue.phi_trend == pytest.approx(-0.2)
    assert state.fatigue.compute_fatigue_score() == pytest.approx(expected, abs=1e-3)


def test_an_essential_kernel_reduces_and_never_fully_stops(scheduler):
    scheduler.register_kernel("heart_1", "Heart")
    make_fresh(scheduler, "heart_1")
    should, reason = scheduler.should_rest("heart_1")
    assert should is False and reason.startswith("Essential tier")

    make_tired(scheduler, "heart_1")
    should, reason = scheduler.should_rest("heart_1")
    assert should is True
    assert "Essential tier" in reason and "REDUCED" in reason

    approved, reason, partner = scheduler.request_rest("heart_1")
    assert (approved, partner) == (True, None)
    assert reason.startswith("Essential tier") and "reduced" in reason
    status = scheduler.get_rest_status("heart_1")
    assert (status["status"], status["is_resting"]) == ("reduced", True)
    assert scheduler.kernel_states["heart_1"].status is RestStatus.REDUCED
    assert scheduler.kernel_states["heart_1"].tier == GodTier.ESSENTIAL
    constellation = scheduler.get_constellation_status()
    assert (constellation["resting_kernels"], constellation["essential_active"]) == (1, 1)
    assert scheduler.should_rest("heart_1") == (False, "Already resting")
    assert scheduler.request_rest("heart_1") == (False, "Already resting", None)


def test_forcing_an_essential_kernel_asks_for_reduced_activity_instead(scheduler):
    scheduler.register_kernel("heart_1", "Heart")
    make_tired(scheduler, "heart_1")
    approved, reason, partner = scheduler.request_rest("heart_1", force=True)
    assert (approved, partner) == (True, None)
    assert reason.startswith("Essential tier") and "force refused" in reason
    assert scheduler.get_rest_status("heart_1")["status"] == "reduced"


def test_hermes_takes_a_micro_pause_while_artemis_covers(scheduler):
    for kid, name in (("hermes_1", "Hermes"), ("artemis_1", "Artemis")):
        scheduler.register_kernel(kid, name)
    make_fresh(scheduler, "artemis_1")
    make_tired(scheduler, "hermes_1")
    should, reason = scheduler.should_rest("hermes_1")
    assert should is True and "Essential tier" in reason and "MINIMAL_ROTATING" in reason
    assert scheduler.get_coupling_partners("hermes_1")[0] == "artemis_1"

    approved, reason, partner = scheduler.request_rest("hermes_1")
    assert (approved, partner) == (True, "artemis_1")
    assert "Essential tier" in reason and "MICRO_PAUSE" in reason and "Artemis" in reason
    hermes = scheduler.get_rest_status("hermes_1")
    assert (hermes["status"], hermes["covered_by"]) == ("micro_pause", "artemis_1")
    assert scheduler.get_rest_status("artemis_1")["covering_for"] == "hermes_1"
    # Artemis covers one kernel at a time and says so.
    assert scheduler.kernel_states["artemis_1"].can_cover_for_partner() is False


def test_a_partner_covers_then_the_rest_ends_and_frees_it(scheduler):
    scheduler.register_kernel("apollo_1", "Apollo")
    scheduler.register_kernel("athena_1", "Athena")
    make_fresh(scheduler, "athena_1")
    make_tired(scheduler, "apollo_1")
    assert scheduler.get_coupling_partners("apollo_1") == ["athena_1"]
    should, reason = scheduler.should_rest("apollo_1")
    assert should is True and reason.startswith("COORDINATED_ALTERNATING")

    approved, reason, partner = scheduler.request_rest("apollo_1")
    assert (approved, reason, partner) == (True, "Rest approved with coverage by Athena", "athena_1")
    apollo = scheduler.kernel_states["apollo_1"]
    assert isinstance(apollo, KernelRestState)
    assert (apollo.status, apollo.covered_by, apollo.is_resting()) == (RestStatus.RESTING, "athena_1", True)
    athena = scheduler.kernel_states["athena_1"]
    assert (athena.covering_for, athena.can_cover_for_partner()) == ("apollo_1", False)
    constellation = scheduler.get_constellation_status()
    assert CONSTELLATION_KEYS <= set(constellation)
    assert constellation["total_kernels"] == 2
    assert (constellation["active_kernels"], constellation["resting_kernels"]) == (1, 1)
    assert (constellation["covering_kernels"], constellation["coverage_active"]) == (1, True)

    assert scheduler.end_rest("apollo_1") is None
    apollo_status = scheduler.get_rest_status("apollo_1")
    assert (apollo_status["status"], apollo_status["covered_by"], apollo_status["rest_count"]) == (
        "active",
        None,
        1,
    )
    assert scheduler.get_rest_status("athena_1")["covering_for"] is None
    constellation = scheduler.get_constellation_status()
    assert (constellation["resting_kernels"], constellation["coverage_active"]) == (0, False)
    scheduler.end_rest("apollo_1")  # not resting: logged, nothing changes
    assert scheduler.get_rest_status("apollo_1")["rest_count"] == 1


def test_no_coverage_refuses_the_rest_unless_it_is_forced(scheduler):
    scheduler.register_kernel("apollo_1", "Apollo")
    scheduler.register_kernel("athena_1", "Athena")
    make_exhausted(scheduler, "athena_1")  # too tired to cover (fatigue > 0.70)
    make_tired(scheduler, "apollo_1")
    assert scheduler.get_rest_status("athena_1")["fatigue_score"] > 0.7
    assert scheduler.kernel_states["athena_1"].can_cover_for_partner() is False

    assert scheduler.request_rest("apollo_1") == (
        False,
        "No coverage available - consider constellation cycle",
        None,
    )
    assert scheduler.get_rest_status("apollo_1")["status"] == "active"

    approved, reason, partner = scheduler.request_rest("apollo_1", force=True)
    assert (approved, partner) == (True, None)
    assert reason == "Emergency rest approved (no coverage available)"
    assert scheduler.get_rest_status("apollo_1")["status"] == "resting"


def test_kernel_states_is_a_read_only_mapping_of_the_servers_kernels(scheduler):
    scheduler.register_kernel("apollo_1", "Apollo")
    scheduler.register_kernel("heart_1", "Heart")
    states = scheduler.kernel_states
    assert sorted(states) == ["apollo_1", "heart_1"] and len(states) == 2
    assert "apollo_1" in states and "nobody" not in states
    assert states.get("nobody") is None
    assert {k: v.kernel_name for k, v in states.items()} == {"apollo_1": "Apollo", "heart_1": "Heart"}
    with pytest.raises(TypeError):
        states["x"] = None  # type: ignore[index]
    with pytest.raises(KeyError):
        states["nobody"]


def test_the_process_singleton_follows_the_environment(server, monkeypatch):
    monkeypatch.setenv("AUTONOMIC_URL", server.url)
    first = get_rest_scheduler()
    assert get_rest_scheduler() is first
    first.register_kernel("ares_1", "Ares")
    reset_rest_scheduler()
    second = get_rest_scheduler()
    assert second is not first
    assert second.get_rest_status("ares_1")["kernel_name"] == "Ares"  # the state is the server's


def test_fatigue_formula_matches_spec_weights():
    metrics = FatigueMetrics(
        phi_current=0.35,
        phi_trend=-0.2,
        kappa_stability=0.5,
        load_current=0.4,
        time_since_rest=1800,
        error_rate=0.1,
    )
    expected = 0.35 * 0.5 + 0.25 * 0.2 + 0.20 * 0.5 + 0.10 * 0.4 + 0.05 * 0.5 + 0.05 * 0.1
    assert metrics.compute_fatigue_score() == pytest.approx(expected)
    assert FatigueMetrics(0.0, -5.0, 0.0, 1.0, 1e9, 1.0).compute_fatigue_score() == 1.0


def test_helper_telemetry_lands_where_the_tests_need_it():
    def score(first, second):
        return FatigueMetrics(
            second["phi"],
            second["phi"] - first["phi"],
            kappa_stability(second["kappa"]),
            second.get("load", 0.0),
            0.0,
            second.get("error_rate", 0.0),
        ).compute_fatigue_score()

    assert score(FRESH, FRESH) < 0.4
    assert 0.45 < score(FRESH, TIRED) <= 0.7
    assert score(FRESH, EXHAUSTED) > 0.7
