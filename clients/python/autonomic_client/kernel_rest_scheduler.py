"""The original ``kernel_rest_scheduler`` module, served by Autonomic over HTTP.

A drop-in for the original's public names and signatures, with the same Python return
types: the decisions are the server's (SPEC §3), so every process of a constellation sees
one scheduler, its state survives restarts, and coverage is never granted twice.

Change one import::

    # before
    from kernel_rest_scheduler import get_rest_scheduler
    # after
    from autonomic_client.kernel_rest_scheduler import get_rest_scheduler

The server is found through ``AUTONOMIC_URL`` (several URLs, comma-separated, fail over)
and ``AUTONOMIC_TOKEN``, or the constructor's arguments. A server that is away never raises
into the kernel's own work: registrations, fatigue reports and ends of rest are buffered
(bounded) and sent when it is back; questions get the answer the original gives when it
cannot decide (``(False, reason)``, ``None``, an empty list).

Reasons keep the original's words where its callers read them ("Essential tier",
"REDUCED", "MINIMAL_ROTATING", "COORDINATED_ALTERNATING", "Already resting",
"No coverage available - consider constellation cycle", "Rest approved with coverage by …").
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, ItemsView, Iterator, KeysView, List, Mapping, Optional, Tuple, Union, ValuesView
from urllib.parse import quote

from ._config import UrlSpec, resolve_token, resolve_urls
from ._outbox import BufferedReports, Outbox, Report
from ._transport import AutonomicRequestError, Transport
from ._wire import now_iso

logger = logging.getLogger("autonomic_client")

#: Φ below which the fatigue's Φ factor starts to rise (SPEC §3).
PHI_THRESHOLD = 0.70
#: The coupling optimum κ* (SPEC §1).
KAPPA_STAR = 64.21

__all__ = [
    "FatigueMetrics",
    "GodTier",
    "KAPPA_STAR",
    "KernelRestScheduler",
    "KernelRestState",
    "PHI_THRESHOLD",
    "RestPolicyType",
    "RestStatus",
    "get_rest_scheduler",
    "reset_rest_scheduler",
]


class RestStatus(Enum):
    """Current rest status of a kernel (the original's values)."""

    ACTIVE = "active"
    RESTING = "resting"
    REDUCED = "reduced"
    MICRO_PAUSE = "micro_pause"
    COVERED = "covered"


class GodTier(str, Enum):
    """A kernel's tier; compares equal to the server's strings ("essential", …)."""

    ESSENTIAL = "essential"
    SPECIALIZED = "specialized"
    CHAOS = "chaos"


class RestPolicyType(str, Enum):
    """A kernel's rest policy; compares equal to the server's strings."""

    NEVER = "never"
    MINIMAL_ROTATING = "minimal_rotating"
    COORDINATED_ALTERNATING = "coordinated_alternating"
    SCHEDULED = "scheduled"
    SEASONAL = "seasonal"
    CHAOS = "chaos"


@dataclass
class FatigueMetrics:
    """Fatigue indicators of a kernel, with the SPEC §3 score.

    The server computes the score it decides with; this class lets a kernel see what a
    sample would score, and holds the last sample this process reported.
    """

    phi_current: float
    #: Change of Φ since the previous report (negative = declining).
    phi_trend: float
    #: 1 / (1 + |κ − κ*| / κ*): lower is less stable.
    kappa_stability: float
    #: Processing load, 0..1.
    load_current: float
    #: Seconds since the last rest ended (or since registration).
    time_since_rest: float
    #: Recent error rate, 0..1.
    error_rate: float

    def compute_fatigue_score(self) -> float:
        """The fatigue score, 0..1 (higher is more fatigued), by SPEC §3's weights."""
        phi_factor = max(0.0, 1.0 - self.phi_current / PHI_THRESHOLD)
        trend_factor = max(0.0, -self.phi_trend)
        stability_factor = max(0.0, 1.0 - self.kappa_stability)
        time_factor = min(1.0, self.time_since_rest / 3600.0)
        fatigue = (
            0.35 * phi_factor
            + 0.25 * trend_factor
            + 0.20 * stability_factor
            + 0.10 * self.load_current
            + 0.05 * time_factor
            + 0.05 * self.error_rate
        )
        return min(1.0, max(0.0, fatigue))


def kappa_stability(kappa: float) -> float:
    """1 / (1 + |κ − κ*| / κ*), as SPEC §3 defines it."""
    return 1.0 / (1.0 + abs(kappa - KAPPA_STAR) / KAPPA_STAR)


def _enum_or_str(enum: Any, value: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class KernelRestState:
    """One kernel's rest state as the server last reported it (read-only).

    ``fatigue`` holds the last sample this process reported for the kernel (None for a
    kernel reported by another process); ``fatigue_score`` is the server's score.
    """

    kernel_id: str
    kernel_name: str
    tier: Union[GodTier, str]
    rest_policy: Union[RestPolicyType, str]
    status: RestStatus
    fatigue_score: float
    covered_by: Optional[str]
    covering_for: Optional[str]
    rest_count: int
    total_rest_time: float
    time_in_status: float
    fatigue: Optional[FatigueMetrics] = None

    @classmethod
    def from_wire(cls, kernel: Dict[str, Any], fatigue: Optional[FatigueMetrics] = None) -> "KernelRestState":
        """Builds the state from a ``GET /api/rest/status/:id`` kernel object."""
        return cls(
            kernel_id=str(kernel.get("kernel_id", "")),
            kernel_name=str(kernel.get("kernel_name", "")),
            tier=_enum_or_str(GodTier, kernel.get("tier")),
            rest_policy=_enum_or_str(RestPolicyType, kernel.get("rest_policy")),
            status=_enum_or_str(RestStatus, kernel.get("status", "active")),
            fatigue_score=float(kernel.get("fatigue_score") or 0.0),
            covered_by=kernel.get("covered_by"),
            covering_for=kernel.get("covering_for"),
            rest_count=int(kernel.get("rest_count") or 0),
            total_rest_time=float(kernel.get("total_rest_time") or 0.0),
            time_in_status=float(kernel.get("time_in_status") or 0.0),
            fatigue=fatigue,
        )

    def is_resting(self) -> bool:
        """True in any rest mode: resting, reduced or micro-pause."""
        return self.status in (RestStatus.RESTING, RestStatus.REDUCED, RestStatus.MICRO_PAUSE)

    def can_cover_for_partner(self) -> bool:
        """True when active, covering nobody, and not too fatigued (≤ 0.70) to cover."""
        return not self.is_resting() and self.covering_for is None and self.fatigue_score <= 0.7

    def time_in_current_status(self) -> float:
        """Seconds in the current status."""
        return self.time_in_status


class _KernelStatesView(Mapping[str, KernelRestState]):
    """``kernel_states``: a read-only mapping of kernel_id → :class:`KernelRestState`, live
    from the server (the last known states while it is away)."""

    def __init__(self, scheduler: "KernelRestScheduler") -> None:
        self._scheduler = scheduler

    def _snapshot(self) -> Dict[str, KernelRestState]:
        return self._scheduler._fetch_states()

    def __getitem__(self, kernel_id: str) -> KernelRestState:
        state = self._scheduler._fetch_state(kernel_id)
        if state is None:
            raise KeyError(kernel_id)
        return state

    def __contains__(self, kernel_id: object) -> bool:
        return isinstance(kernel_id, str) and self._scheduler._fetch_state(kernel_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshot())

    def __len__(self) -> int:
        return len(self._snapshot())

    # One request for a whole listing, not one per key.
    def keys(self) -> KeysView[str]:
        return self._snapshot().keys()

    def values(self) -> ValuesView[KernelRestState]:
        return self._snapshot().values()

    def items(self) -> ItemsView[str, KernelRestState]:
        return self._snapshot().items()

    def __repr__(self) -> str:
        return f"kernel_states({list(self._snapshot())!r})"


@dataclass
class _Decision:
    """The server's should-rest decision from a kernel's last fatigue report."""

    should_rest: bool
    reason: str
    reason_code: str
    fatigue_score: float


_UNAVAILABLE = "Rest scheduler not available (Autonomic server unreachable)"


class KernelRestScheduler(BufferedReports):
    """Per-kernel rest scheduler with coupling-aware coordination, served by Autonomic.

    The original's methods and return types; the state lives on the server.

    Args:
        url: server URL, several comma-separated, or a list (fail over in order); default
            ``AUTONOMIC_URL``, then http://127.0.0.1:7070.
        token: bearer token (a kernel token; forced rests need an operator token); default
            ``AUTONOMIC_TOKEN``.
        timeout: seconds per HTTP request.
        buffer_limit: reports held while the server is away; older ones give way, counted.
        retry_initial: first retry delay in seconds (doubles up to ``retry_max``).
        retry_max: longest retry delay in seconds.

    Example::

        scheduler = KernelRestScheduler()
        scheduler.register_kernel("apollo_1", "Apollo")
        scheduler.update_fatigue("apollo_1", phi=0.4, kappa=52.0, load=0.8)
        should, why = scheduler.should_rest("apollo_1")
        if should:
            approved, reason, partner = scheduler.request_rest("apollo_1")
    """

    def __init__(
        self,
        url: UrlSpec = None,
        token: Optional[str] = None,
        *,
        timeout: float = 5.0,
        buffer_limit: int = 10_000,
        retry_initial: float = 0.25,
        retry_max: float = 30.0,
    ) -> None:
        self._transport = Transport(resolve_urls(url), resolve_token(token), timeout=timeout)
        self._outbox = Outbox(
            self._transport,
            limit=buffer_limit,
            retry_initial=retry_initial,
            retry_max=retry_max,
            name="autonomic-rest-outbox",
        )
        self._lock = threading.Lock()
        self._decisions: Dict[str, _Decision] = {}
        self._directives: Dict[str, Dict[str, Any]] = {}
        self._metrics: Dict[str, FatigueMetrics] = {}
        self._known: Dict[str, KernelRestState] = {}
        self.kernel_states: Mapping[str, KernelRestState] = _KernelStatesView(self)
        _open_schedulers.add(self)

    # -- registration and telemetry --------------------------------------------------------

    def register_kernel(self, kernel_id: str, kernel_name: str) -> None:
        """Registers a kernel with the rest scheduler (idempotent for the same pair).

        Args:
            kernel_id: unique kernel identifier.
            kernel_name: god name (e.g. "Apollo", "Athena") or a chaos name (``chaos_{domain}_{n}``).

        An unknown god, or a god already live under another id, is logged and left
        unregistered, as the original did. While the server is away, the registration waits
        in the buffer and is sent first when it is back.
        """
        body = {"kernel_id": kernel_id, "kernel_name": kernel_name}
        report = Report("POST", "/api/rest/kernels", body, keep=True, on_reply=self._remember_kernel)
        report.on_refused = lambda err: self._log_refusal("register", kernel_id, err)
        try:
            if self._outbox.send_or_queue(report) is None:
                logger.info(
                    "[RestScheduler] %s (%s): server away; registration buffered", kernel_name, kernel_id
                )
        except AutonomicRequestError as err:
            self._log_refusal("register", kernel_id, err)

    def retire_kernel(self, kernel_id: str, force: bool = False, reason: Optional[str] = None) -> bool:
        """Retires a kernel (``DELETE /api/rest/kernels/:id``), so its god may register afresh.

        Returns True when the server retired it; False when it is unknown, the server has no
        such route, refuses, or is away. An essential kernel needs ``force`` and a reason.
        """
        query: Dict[str, Any] = {}
        if force:
            query["force"] = "true"
        if reason:
            query["reason"] = reason
        try:
            self._transport.request("DELETE", f"/api/rest/kernels/{_q(kernel_id)}", query=query)
        except AutonomicRequestError as err:
            if err.status != 404:
                logger.warning("[RestScheduler] retire %s: %s", kernel_id, err)
            return False
        with self._lock:
            for cache in (self._decisions, self._directives, self._metrics, self._known):
                cache.pop(kernel_id, None)
        return True

    def update_fatigue(
        self,
        kernel_id: str,
        phi: float,
        kappa: float,
        load: float = 0.0,
        error_rate: float = 0.0,
    ) -> None:
        """Reports a kernel's fatigue metrics; the server scores them and decides.

        Args:
            kernel_id: kernel identifier.
            phi: current Φ (integration), 0..1.
            kappa: current κ (coupling), ≥ 0.
            load: processing load, 0..1.
            error_rate: recent error rate, 0..1.

        Never raises: an unknown kernel or a value the server refuses is logged; while the
        server is away the report is buffered and sent later.
        """
        body: Dict[str, Any] = {
            "phi": phi,
            "kappa": kappa,
            "load": load,
            "error_rate": error_rate,
            "timestamp": now_iso(),
        }
        with self._lock:
            previous = self._metrics.get(kernel_id)
        try:
            sample = FatigueMetrics(
                phi_current=float(phi),
                phi_trend=float(phi) - previous.phi_current if previous else 0.0,
                kappa_stability=kappa_stability(float(kappa)),
                load_current=float(load),
                time_since_rest=0.0,
                error_rate=float(error_rate),
            )
            with self._lock:
                self._metrics[kernel_id] = sample
        except (TypeError, ValueError):
            pass  # the server names the bad field
        report = Report(
            "POST",
            f"/api/rest/fatigue/{_q(kernel_id)}",
            body,
            on_reply=lambda reply: self._remember_decision(kernel_id, reply),
            on_refused=lambda err: self._log_refusal("fatigue", kernel_id, err),
        )
        try:
            self._outbox.send_or_queue(report)
        except AutonomicRequestError as err:
            self._log_refusal("fatigue", kernel_id, err)

    # -- decisions ---------------------------------------------------------------------------

    def should_rest(self, kernel_id: str) -> Tuple[bool, str]:
        """Whether the kernel should rest, with the reason in the original's words.

        Decided by the server on the kernel's last fatigue report (as the original decided on
        the last metrics it was given); "Already resting" while it rests.

        Returns:
            (should_rest, reason)
        """
        try:
            kernel = self._get_status(kernel_id)
        except AutonomicRequestError as err:
            if err.status == 404:
                return False, "Kernel not registered"
            return False, _refusal_reason(err)
        if kernel.get("is_resting") or kernel.get("status", "active") != "active":
            return False, "Already resting"
        with self._lock:
            decision = self._decisions.get(kernel_id)
        if decision is None:
            return False, "No fatigue metrics"
        return decision.should_rest, _original_reason(kernel, decision)

    def get_coupling_partners(self, kernel_id: str, threshold: float = 0.7) -> List[str]:
        """Registered coupling partners of the kernel, in the registry's order.

        Args:
            kernel_id: kernel identifier.
            threshold: kept for the original's signature; partners come from the registry.

        Returns:
            Partner kernel ids ([] for an unknown kernel or while the server is away).
        """
        try:
            reply = self._transport.request("GET", f"/api/rest/partners/{_q(kernel_id)}")
        except AutonomicRequestError:
            return []
        return [
            str(p["kernel_id"]) for p in reply.get("partners", []) if isinstance(p, dict) and "kernel_id" in p
        ]

    def request_rest(self, kernel_id: str, force: bool = False) -> Tuple[bool, str, Optional[str]]:
        """Asks for a rest with coupling-aware handoff.

        Args:
            kernel_id: kernel identifier.
            force: rest even without coverage (emergency; needs an operator token). An
                essential kernel never fully stops: forcing it asks for REDUCED activity.

        Returns:
            (approved, reason, covering_partner_id)
        """
        try:
            reply = self._post_rest_request(kernel_id, force)
        except AutonomicRequestError as err:
            if err.status == 404:
                return False, "Kernel not registered", None
            if force and err.status == 400 and str(err.body.get("error", "")).startswith("force:"):
                # Essential: forcing would break never-fully-stop; ask for what it may have.
                try:
                    reply = self._post_rest_request(kernel_id, False)
                except AutonomicRequestError as again:
                    return False, _refusal_reason(again), None
                approved, reason, partner = self._interpret_request(kernel_id, reply)
                return approved, f"{reason} (force refused: an essential kernel never fully stops)", partner
            return False, _refusal_reason(err), None
        return self._interpret_request(kernel_id, reply)

    def end_rest(self, kernel_id: str) -> None:
        """Ends the kernel's rest and frees its covering partner.

        A kernel that is not resting is logged and left as it is. While the server is away,
        the end of rest is buffered and sent when it is back.
        """

        def refused(err: AutonomicRequestError) -> None:
            if err.status == 409:
                logger.warning("[RestScheduler] %s not resting", kernel_id)
            elif err.status != 404:
                self._log_refusal("end rest", kernel_id, err)

        report = Report("POST", f"/api/rest/end/{_q(kernel_id)}", None, keep=True, on_refused=refused)
        report.on_reply = lambda reply: self._remember_kernel(reply)
        try:
            self._outbox.send_or_queue(report)
        except AutonomicRequestError as err:
            refused(err)

    # -- status ------------------------------------------------------------------------------

    def get_rest_status(self, kernel_id: str) -> Optional[Dict[str, Any]]:
        """The kernel's rest status, or None when unknown (or the server is away).

        Keys as the original: kernel_id, kernel_name, tier, rest_policy, status,
        fatigue_score, is_resting, covered_by, covering_for, rest_count, total_rest_time,
        time_in_status; the server's richer fields sit beside them.
        """
        try:
            return self._get_status(kernel_id)
        except AutonomicRequestError:
            return None

    def get_constellation_status(self) -> Dict[str, Any]:
        """Constellation-wide rest metrics.

        Keys as the original: total_kernels, active_kernels, resting_kernels (every rest
        mode), covering_kernels, essential_active, avg_fatigue, coverage_active. While the
        server is away: the last known figures (or zeros), with ``scheduler_available: False``.
        """
        try:
            reply = self._transport.request("GET", "/api/rest/status")
        except AutonomicRequestError:
            with self._lock:
                known = list(self._known.values())
            return _constellation_from(known)
        constellation = reply.get("constellation")
        return dict(constellation) if isinstance(constellation, dict) else _constellation_from([])

    # -- beyond the original -----------------------------------------------------------------

    def last_directive(self, kernel_id: str) -> Optional[Dict[str, Any]]:
        """The directive of the kernel's last fatigue reply (rest status and pending actions)."""
        with self._lock:
            return self._directives.get(kernel_id)

    def close(self, timeout: float = 2.0) -> None:
        """Sends what is buffered (bounded by ``timeout``) and stops the background sender."""
        super().close(timeout)
        _open_schedulers.discard(self)

    # -- internals ---------------------------------------------------------------------------

    def _post_rest_request(self, kernel_id: str, force: bool) -> Dict[str, Any]:
        body = {"force": True} if force else {}
        return self._transport.request("POST", f"/api/rest/request/{_q(kernel_id)}", body)

    def _interpret_request(self, kernel_id: str, reply: Dict[str, Any]) -> Tuple[bool, str, Optional[str]]:
        approved = bool(reply.get("approved"))
        reason = str(reply.get("reason", ""))
        partner = reply.get("covering_partner")
        if approved and reply.get("rest_type") == "micro_pause":
            tier = self._tier_of(kernel_id)
            cover = f" with coverage by {self._name_of(partner)}" if partner else ""
            if tier == GodTier.ESSENTIAL:
                reason = f"Essential tier: MICRO_PAUSE approved (MINIMAL_ROTATING){cover}"
            else:
                reason = f"MINIMAL_ROTATING: MICRO_PAUSE approved{cover}"
        if approved:
            with self._lock:
                self._decisions.pop(kernel_id, None)
        return approved, reason, str(partner) if partner else None

    def _get_status(self, kernel_id: str) -> Dict[str, Any]:
        reply = self._transport.request("GET", f"/api/rest/status/{_q(kernel_id)}")
        kernel = reply.get("kernel")
        if not isinstance(kernel, dict):
            raise AutonomicRequestError("GET status: reply without a kernel", 502, True)
        self._remember_kernel({"kernel": kernel})
        return kernel

    def _fetch_state(self, kernel_id: str) -> Optional[KernelRestState]:
        try:
            self._get_status(kernel_id)
        except AutonomicRequestError as err:
            if err.status == 404:
                with self._lock:
                    self._known.pop(kernel_id, None)
                return None
        with self._lock:
            return self._known.get(kernel_id)

    def _fetch_states(self) -> Dict[str, KernelRestState]:
        try:
            reply = self._transport.request("GET", "/api/rest/kernels")
        except AutonomicRequestError:
            with self._lock:
                return dict(self._known)
        states: Dict[str, KernelRestState] = {}
        with self._lock:
            for kernel in reply.get("kernels", []):
                if isinstance(kernel, dict) and "kernel_id" in kernel:
                    kid = str(kernel["kernel_id"])
                    states[kid] = self._state_from(kernel)
            self._known = dict(states)
        return states

    def _state_from(self, kernel: Dict[str, Any]) -> KernelRestState:
        """Holds _lock."""
        kid = str(kernel.get("kernel_id"))
        metrics = self._metrics.get(kid)
        if metrics is not None and kernel.get("status") == "active":
            metrics = FatigueMetrics(
                metrics.phi_current,
                metrics.phi_trend,
                metrics.kappa_stability,
                metrics.load_current,
                float(kernel.get("time_in_status") or 0.0),
                metrics.error_rate,
            )
        return KernelRestState.from_wire(kernel, metrics)

    def _remember_kernel(self, reply: Dict[str, Any]) -> None:
        kernel = reply.get("kernel")
        if isinstance(kernel, dict) and "kernel_id" in kernel:
            with self._lock:
                self._known[str(kernel["kernel_id"])] = self._state_from(kernel)

    def _remember_decision(self, kernel_id: str, reply: Dict[str, Any]) -> None:
        decision = _Decision(
            should_rest=bool(reply.get("should_rest")),
            reason=str(reply.get("reason", "")),
            reason_code=str(reply.get("reason_code", "")),
            fatigue_score=float(reply.get("fatigue_score") or 0.0),
        )
        with self._lock:
            self._decisions[kernel_id] = decision
            directive = reply.get("directive")
            if isinstance(directive, dict):
                self._directives[kernel_id] = directive

    def _tier_of(self, kernel_id: str) -> Any:
        with self._lock:
            known = self._known.get(kernel_id)
        if known is not None:
            return known.tier
        status = self.get_rest_status(kernel_id)
        return _enum_or_str(GodTier, status.get("tier")) if status else None

    def _name_of(self, kernel_id: Any) -> str:
        with self._lock:
            known = self._known.get(str(kernel_id))
        if known is not None:
            return known.kernel_name
        status = self.get_rest_status(str(kernel_id))
        return str(status.get("kernel_name")) if status else str(kernel_id)

    @staticmethod
    def _log_refusal(what: str, kernel_id: str, err: AutonomicRequestError) -> None:
        if err.status == 404:
            logger.warning("[RestScheduler] %s: unknown kernel %s", what, kernel_id)
        else:
            logger.error("[RestScheduler] %s %s refused: %s", what, kernel_id, err)


def _q(kernel_id: str) -> str:
    return quote(str(kernel_id), safe="")


def _refusal_reason(err: AutonomicRequestError) -> str:
    if err.transient:
        return _UNAVAILABLE
    if err.status in (401, 403):
        return f"Not permitted: {err.body.get('error', err)}"
    return str(err.body.get("error") or err)


def _original_reason(kernel: Dict[str, Any], d: _Decision) -> str:
    """The server's decision in the original's words, which its callers read."""
    score = f"({d.fatigue_score:.2f})"
    tier = kernel.get("tier")
    policy = kernel.get("rest_policy")
    code = d.reason_code
    if tier == "essential":
        if not d.should_rest:
            return f"Essential tier fatigue manageable {score}"
        if policy == "minimal_rotating" and code != "essential_reduce":
            return f"Essential tier MINIMAL_ROTATING - fatigue {score} or time > 10min - needs MICRO_PAUSE"
        return f"Essential tier moderate fatigue {score} - needs REDUCED activity"
    if code == "predicted":
        return f"{str(policy).upper()} - predicted fatigue {score} reaches its threshold soon: {d.reason}"
    if policy == "never":
        if d.should_rest:
            return f"CRITICAL fatigue {score} - emergency rest needed"
        return f"NEVER policy - fatigue {score} below emergency threshold"
    if policy == "minimal_rotating":
        if d.should_rest:
            return f"MINIMAL_ROTATING - fatigue {score} or time > 10min"
        return f"MINIMAL_ROTATING - recent pause, fatigue manageable {score}"
    if policy == "coordinated_alternating":
        if d.should_rest:
            return f"COORDINATED_ALTERNATING - fatigue {score} needs partner handoff"
        return f"COORDINATED_ALTERNATING - fatigue manageable {score}"
    if policy == "scheduled":
        if d.should_rest:
            return f"SCHEDULED - high fatigue {score} or post-burst recovery"
        return f"SCHEDULED - not recovery window {score}"
    if policy == "seasonal":
        if d.should_rest:
            if code == "season_ended":
                return f"SEASONAL - active season has run its length {score}, needs fallow period"
            return f"SEASONAL - high fatigue {score} needs fallow period"
        return f"SEASONAL - in active growth phase {score}"
    if d.should_rest:
        return f"General fatigue threshold exceeded {score}"
    return f"Fatigue manageable {score}"


def _constellation_from(known: List[KernelRestState]) -> Dict[str, Any]:
    resting = sum(1 for s in known if s.is_resting())
    covering = sum(1 for s in known if s.covering_for)
    scores = [s.fatigue_score for s in known]
    return {
        "total_kernels": len(known),
        "active_kernels": len(known) - resting,
        "resting_kernels": resting,
        "covering_kernels": covering,
        "essential_active": sum(
            1 for s in known if s.tier == GodTier.ESSENTIAL and s.status != RestStatus.RESTING
        ),
        "avg_fatigue": sum(scores) / len(scores) if scores else 0.0,
        "coverage_active": covering > 0,
        "scheduler_available": False,
    }


# -- the global singleton, as in the original ----------------------------------------------

_open_schedulers: "weakref.WeakSet[KernelRestScheduler]" = weakref.WeakSet()
_scheduler_instance: Optional[KernelRestScheduler] = None
_singleton_lock = threading.Lock()


def get_rest_scheduler() -> KernelRestScheduler:
    """The process's rest scheduler, created on first use from ``AUTONOMIC_URL``/``AUTONOMIC_TOKEN``."""
    global _scheduler_instance
    with _singleton_lock:
        if _scheduler_instance is None:
            _scheduler_instance = KernelRestScheduler()
        return _scheduler_instance


def reset_rest_scheduler() -> None:
    """Forgets the process's scheduler (for tests): the next ``get_rest_scheduler`` makes a new
    one, reading the environment again. The server's state is not touched."""
    global _scheduler_instance
    with _singleton_lock:
        old, _scheduler_instance = _scheduler_instance, None
    if old is not None:
        old.close(timeout=0.5)


@atexit.register
def _flush_at_exit() -> None:
    # What a kernel reported just before exiting should still reach the server, briefly.
    for scheduler in list(_open_schedulers):
        try:
            scheduler.close(timeout=1.0)
        except Exception:
            pass
