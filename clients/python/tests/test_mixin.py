"""Done when: a Python god class using the drop-in (through KernelRestMixin) registers,
reports fatigue, rests with a partner covering, and wakes."""

from __future__ import annotations

import pytest
from server_process import wait_until

from autonomic_client import KernelRestMixin


class BaseGod:
    """Stands for the users' own base class: the mixin must sit beside it untouched."""

    def __init__(self) -> None:
        self.answers = 0

    def answer(self) -> str:
        self.answers += 1
        return "an answer"


class Apollo(BaseGod, KernelRestMixin):
    def __init__(self) -> None:
        BaseGod.__init__(self)
        self._initialize_rest_tracking()


class Athena(BaseGod, KernelRestMixin):
    def __init__(self) -> None:
        BaseGod.__init__(self)
        self._initialize_rest_tracking()


@pytest.fixture
def gods(server, monkeypatch):
    monkeypatch.setenv("AUTONOMIC_URL", server.url)
    athena, apollo = Athena(), Apollo()
    athena._update_fatigue_metrics(phi=0.8, kappa=64.21, load=0.1)
    return apollo, athena


def test_a_god_class_registers_reports_rests_with_its_partner_covering_and_wakes(gods):
    apollo, athena = gods
    status = apollo._get_rest_status()
    assert status is not None and (status["kernel_id"], status["kernel_name"]) == ("Apollo", "Apollo")
    assert apollo._get_coupling_partners() == ["Athena"]
    assert apollo._is_essential_tier() is False
    assert athena._can_cover_for_partner() is True
    assert apollo.answer() == "an answer"  # the god's own work is its own

    apollo._update_fatigue_metrics(phi=0.8, kappa=64.21)
    result = apollo._periodic_rest_check(phi=0.05, kappa=10.0)
    assert result == (True, "Rest approved with coverage by Athena", "Athena")

    resting = apollo._get_rest_status()
    assert (resting["status"], resting["is_resting"], resting["covered_by"]) == ("resting", True, "Athena")
    assert athena._get_rest_status()["covering_for"] == "Apollo"
    assert athena._can_cover_for_partner() is False
    assert apollo._request_rest() == (False, "Already resting", None)

    apollo._end_rest()
    awake = apollo._get_rest_status()
    assert (awake["status"], awake["covered_by"], awake["rest_count"]) == ("active", None, 1)
    assert athena._get_rest_status()["covering_for"] is None


def test_a_resting_god_wakes_by_itself_once_its_fatigue_recovers(gods):
    apollo, _athena = gods
    apollo._update_fatigue_metrics(phi=0.8, kappa=64.21)
    apollo._update_fatigue_metrics(phi=0.05, kappa=10.0)
    approved, _reason, partner = apollo._request_rest()
    assert (approved, partner) == (True, "Athena")
    # Recovered well below half its threshold: the server's auto-wake ends the rest.
    apollo._update_fatigue_metrics(phi=0.8, kappa=64.21, load=0.0)
    assert wait_until(lambda: apollo._get_rest_status()["status"] == "active", timeout=15)
    assert apollo._get_rest_status()["rest_count"] == 1


def test_rest_checks_are_spaced_by_the_check_interval(gods):
    apollo, _athena = gods
    apollo._update_fatigue_metrics(phi=0.8, kappa=64.21)
    should, reason = apollo._check_should_rest()
    assert should is False and reason.startswith("COORDINATED_ALTERNATING")
    assert apollo._check_should_rest() == (False, "Too soon since last check")
    apollo._rest_check_interval = 0.0
    assert apollo._check_should_rest()[1].startswith("COORDINATED_ALTERNATING")


def test_an_essential_god_only_reduces(server, monkeypatch):
    monkeypatch.setenv("AUTONOMIC_URL", server.url)

    class Heart(BaseGod, KernelRestMixin):
        def __init__(self) -> None:
            BaseGod.__init__(self)
            self._initialize_rest_tracking()

    heart = Heart()
    assert heart._is_essential_tier() is True
    heart._update_fatigue_metrics(phi=0.8, kappa=64.21)
    approved, reason, partner = heart._periodic_rest_check(phi=0.05, kappa=10.0)
    assert (approved, partner) == (True, None) and reason.startswith("Essential tier")
    assert heart._get_rest_status()["status"] == "reduced"


def test_a_god_keeps_working_when_the_server_is_away(monkeypatch):
    from server_process import free_port

    monkeypatch.setenv("AUTONOMIC_URL", f"http://127.0.0.1:{free_port()}")
    apollo = Apollo()
    assert apollo._periodic_rest_check(phi=0.05, kappa=10.0) is None
    assert apollo._request_rest()[0] is False
    assert apollo._get_rest_status() is None
    assert apollo._can_cover_for_partner() is False
    apollo._end_rest()
    assert apollo.answer() == "an answer"
