"""The original ``KernelRestMixin`` for god classes, served by Autonomic.

Usage, as with the original::

    from autonomic_client import KernelRestMixin

    class Apollo(BaseGod, KernelRestMixin):
        def __init__(self):
            BaseGod.__init__(self)
            self._initialize_rest_tracking()

The kernel's name is its class name ("Apollo"); its id is stable across restarts (the class
name, or the class attribute ``kernel_rest_id`` when set), because the server remembers a
god's registration and a god is singular: an id made from ``id(self)``, as the original's
was, would be refused as a second Apollo after every restart.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from .kernel_rest_scheduler import KernelRestScheduler

logger = logging.getLogger("autonomic_client")

#: Operations per second counted as full load.
_FULL_LOAD_OPS_PER_SECOND = 10.0
#: Seconds of history behind the load and the error rate.
_WINDOW_SECONDS = 60.0
#: Timestamps kept for each of them.
_HISTORY = 100


class KernelRestMixin:
    """Rest scheduling for a god kernel: fatigue self-assessment, rest requests with partner
    coverage, and the essential tier's never-fully-stop rule, decided by Autonomic.

    Set ``kernel_rest_id`` on the class to choose the kernel id; the default is the class name.
    """

    #: The kernel id used with the scheduler; None means the class name.
    kernel_rest_id: Optional[str] = None

    def _initialize_rest_tracking(self) -> None:
        """Registers this kernel with the rest scheduler (buffered while the server is away)."""
        self._rest_scheduler: Optional["KernelRestScheduler"] = None
        self._kernel_rest_id: Optional[str] = None
        self._last_fatigue_update = 0.0
        self._last_rest_check = 0.0
        self._rest_check_interval = 60.0
        self._load_history: List[float] = []
        self._error_history: List[float] = []
        try:
            from .kernel_rest_scheduler import get_rest_scheduler

            self._rest_scheduler = get_rest_scheduler()
            kernel_name = self.__class__.__name__
            self._kernel_rest_id = self.kernel_rest_id or kernel_name
            self._rest_scheduler.register_kernel(self._kernel_rest_id, kernel_name)
            logger.info("[%s] Registered with rest scheduler", kernel_name)
        except Exception as err:  # a misconfigured client must not stop the god
            logger.warning("[KernelRestMixin] Failed to initialize rest scheduler: %s", err)

    def _rest_target(self) -> Optional[Tuple["KernelRestScheduler", str]]:
        """The scheduler and this kernel's id, or None when rest tracking is not initialised."""
        scheduler = getattr(self, "_rest_scheduler", None)
        kernel_id = getattr(self, "_kernel_rest_id", None)
        if scheduler is None or not kernel_id:
            return None
        return scheduler, kernel_id

    def _update_fatigue_metrics(
        self,
        phi: float,
        kappa: float,
        load: Optional[float] = None,
        error_occurred: bool = False,
    ) -> None:
        """Reports fatigue metrics to the rest scheduler.

        Args:
            phi: current Φ (integration).
            kappa: current κ (coupling).
            load: processing load (0-1); estimated from recent calls when None.
            error_occurred: whether an error occurred since the last update.
        """
        target = self._rest_target()
        if target is None:
            return
        scheduler, kernel_id = target
        now = time.time()
        if load is None:
            load = self._compute_current_load()
        if error_occurred:
            self._error_history = (self._error_history + [now])[-_HISTORY:]
        recent_errors = sum(1 for t in self._error_history if now - t < _WINDOW_SECONDS)
        # Errors per minute as a rate, capped at 1: the server takes error_rate within [0, 1].
        error_rate = min(1.0, recent_errors / _WINDOW_SECONDS)
        scheduler.update_fatigue(
            kernel_id=kernel_id,
            phi=phi,
            kappa=kappa,
            load=load,
            error_rate=error_rate,
        )
        self._last_fatigue_update = now

    def _compute_current_load(self) -> float:
        """Load (0-1) from the rate of recent calls: 10 per second is full load.

        Each call counts as one operation, as in the original.
        """
        now = time.time()
        self._load_history = (self._load_history + [now])[-_HISTORY:]
        if len(self._load_history) < 2:
            return 0.0
        recent = sum(1 for t in self._load_history if now - t < _WINDOW_SECONDS)
        return min(1.0, (recent / _WINDOW_SECONDS) / _FULL_LOAD_OPS_PER_SECOND)

    def _check_should_rest(self) -> Tuple[bool, str]:
        """Whether this kernel should rest, asked at most once per ``_rest_check_interval``.

        Returns:
            (should_rest, reason)
        """
        target = self._rest_target()
        if target is None:
            return False, "Rest scheduler not available"
        now = time.time()
        # Spaced from the last check, not the last update: the original spaced it from the
        # update, so _periodic_rest_check (update, then check) never got past "too soon".
        if self._last_rest_check and now - self._last_rest_check < self._rest_check_interval:
            return False, "Too soon since last check"
        self._last_rest_check = now
        return target[0].should_rest(target[1])

    def _request_rest(self, force: bool = False) -> Tuple[bool, str, Optional[str]]:
        """Requests rest with coupling-aware coordination.

        Returns:
            (approved, reason, covering_partner_id)
        """
        target = self._rest_target()
        if target is None:
            return False, "Rest scheduler not available", None
        return target[0].request_rest(kernel_id=target[1], force=force)

    def _end_rest(self) -> None:
        """Ends this kernel's rest."""
        target = self._rest_target()
        if target is not None:
            target[0].end_rest(target[1])

    def _get_rest_status(self) -> Optional[Dict[str, Any]]:
        """This kernel's rest status, or None when not available."""
        target = self._rest_target()
        return None if target is None else target[0].get_rest_status(target[1])

    def _get_coupling_partners(self) -> List[str]:
        """Registered partners who may cover for this kernel."""
        target = self._rest_target()
        return [] if target is None else target[0].get_coupling_partners(target[1])

    def _can_cover_for_partner(self) -> bool:
        """True when this kernel is active, covering nobody, and not too fatigued (≤ 0.70)."""
        status = self._get_rest_status()
        if not status:
            return False
        if status.get("is_resting") or status.get("covering_for"):
            return False
        return float(status.get("fatigue_score") or 0.0) <= 0.7

    def _is_essential_tier(self) -> bool:
        """True for an essential kernel (it never fully stops, only reduces)."""
        status = self._get_rest_status()
        return status is not None and status.get("tier") == "essential"

    def _periodic_rest_check(self, phi: float, kappa: float) -> Optional[Tuple[bool, str, Optional[str]]]:
        """For the kernel's main loop: reports fatigue, and asks for rest when it should.

        Returns the rest request's (approved, reason, partner) when one was made, else None
        (the original returned nothing; a caller that ignores the value is unaffected).
        """
        self._update_fatigue_metrics(phi, kappa)
        should_rest, reason = self._check_should_rest()
        if not should_rest:
            return None
        name = self.__class__.__name__
        logger.info("[%s] Should rest: %s", name, reason)
        approved, approval_reason, partner = self._request_rest()
        if approved:
            logger.info("[%s] Rest approved: %s (partner=%s)", name, approval_reason, partner)
        else:
            logger.info("[%s] Rest not approved: %s", name, approval_reason)
        return approved, approval_reason, partner
