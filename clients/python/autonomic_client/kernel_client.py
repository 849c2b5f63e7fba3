"""A kernel's client of the control plane, like the TypeScript SDK's ``KernelClient``.

Telemetry goes into a bounded buffer and leaves in batches (``POST
/api/self-healing/snapshots``); while the server is unreachable the buffer holds it and a
background thread retries with backoff, so a control-plane restart loses nothing (what a full
buffer does lose is counted). Every reply's directive is read: remediation actions run once
each through the registered handlers (with ``dry_run`` for sandbox runs) and are answered
(``POST /api/self-healing/actions/:action_id/result``); with ``auto_rest`` the kernel asks for
its rest when the directive says it should.

Example::

    client = KernelClient("apollo_1", "Apollo", auto_rest=True)
    client.handle("enable_cache", lambda params, ctx: predict(params) if ctx.dry_run else enable(params))
    client.register()
    client.report({"phi": 0.78, "kappa_eff": 63.9, "avg_latency_ms": 120})
    client.close()
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional
from urllib.parse import quote

from ._actions import ActionHandler, ActionRunner
from ._config import UrlSpec, resolve_token, resolve_urls
from ._outbox import SNAPSHOTS_PATH, Outbox, Report
from ._transport import AutonomicRequestError, Transport
from ._wire import as_dict, canonical_snapshot, not_json_reason, now_iso

logger = logging.getLogger("autonomic_client")


@dataclass
class KernelClientStats:
    """Counters for the kernel's own dashboards and logs."""

    #: Reports waiting to be sent.
    buffered: int
    #: Reports the server accepted.
    sent: int
    #: Reports given up because the buffer was full.
    overflowed: int
    #: Reports the server refused as invalid.
    rejected: int
    #: Failed attempts to reach the server.
    retries: int
    #: Remediation actions answered.
    actions_answered: int


class KernelClient:
    """Registers a kernel, reports its telemetry, and follows the directives in the replies.

    Args:
        kernel_id: the kernel's id, e.g. "apollo_1".
        kernel_name: god name ("Apollo") or the chaos name; needed for :meth:`register`.
        url: server URL, several comma-separated, or a list (fail over in order); default
            ``AUTONOMIC_URL``, then http://127.0.0.1:7070.
        token: kernel bearer token; default ``AUTONOMIC_TOKEN``.
        mentor: the god who covers this chaos kernel while it rests.
        batch_size: snapshots per request.
        buffer_limit: reports held while the server is away; the oldest give way, counted.
        flush_interval: seconds a snapshot may wait for others to share its request.
        retry_initial: first retry delay in seconds (doubles, with jitter, up to ``retry_max``).
        retry_max: longest retry delay in seconds.
        timeout: seconds per HTTP request.
        auto_rest: request rest when a directive says ``should_rest``.
        on_directive: called with each directive received (on the sender's thread: keep it short).
    """

    def __init__(
        self,
        kernel_id: str,
        kernel_name: Optional[str] = None,
        *,
        url: UrlSpec = None,
        token: Optional[str] = None,
        mentor: Optional[str] = None,
        batch_size: int = 100,
        buffer_limit: int = 10_000,
        flush_interval: float = 1.0,
        retry_initial: float = 0.25,
        retry_max: float = 30.0,
        timeout: float = 10.0,
        auto_rest: bool = False,
        on_directive: Optional[Callable[[Dict[str, Any]], None]] = None,
    ) -> None:
        if not kernel_id:
            raise ValueError("kernel_id: required")
        self._kernel_id = kernel_id
        self._kernel_name = kernel_name
        self._mentor = mentor
        self._auto_rest = auto_rest
        self._on_directive = on_directive
        self._transport = Transport(resolve_urls(url), resolve_token(token), timeout=timeout)
        self._outbox = Outbox(
            self._transport,
            limit=buffer_limit,
            batch_size=batch_size,
            retry_initial=retry_initial,
            retry_max=retry_max,
            linger=flush_interval,
            name=f"autonomic-{kernel_id}",
        )
        self._actions = ActionRunner(self._answer_action)
        self._lock = threading.Lock()
        self._directive: Optional[Dict[str, Any]] = None
        self._answered = 0
        self._requesting_rest = False
        self._closed = False

    # -- identity and directives -----------------------------------------------------------

    @property
    def kernel_id(self) -> str:
        return self._kernel_id

    @property
    def directive(self) -> Optional[Dict[str, Any]]:
        """The directive of the latest reply, or None before the first."""
        with self._lock:
            return self._directive

    def handle(self, action_type: str, handler: ActionHandler) -> "KernelClient":
        """Registers the handler of one remediation action type (SPEC §5).

        The handler gets ``(params, context)``; ``context.dry_run`` asks it to try the action
        without committing it and return the predicted metrics.
        """
        self._actions.handle(action_type, handler)
        return self

    # -- writes ---------------------------------------------------------------------------------

    def register(self) -> Optional[Dict[str, Any]]:
        """Registers with the rest scheduler (idempotent).

        Returns the kernel's rest status, or None when the server is away (the registration
        is then buffered and sent first when it is back).

        Raises:
            ValueError: without a kernel_name.
            AutonomicRequestError: when the server refuses (an unknown god, a god already live).
        """
        if not self._kernel_name:
            raise ValueError("kernel_name: required to register")
        body: Dict[str, Any] = {"kernel_id": self._kernel_id, "kernel_name": self._kernel_name}
        if self._mentor:
            body["mentor"] = self._mentor
        report = Report("POST", "/api/rest/kernels", body, keep=True)
        reply = self._outbox.send_or_queue(report)
        return reply.get("kernel") if reply else None

    def report(self, snapshot: Mapping[str, Any]) -> None:
        """Queues one snapshot (phi and kappa_eff required); it leaves with the next batch.

        The original's field names (``avg_latency``, ``memory_usage_mb``…) are renamed to
        ours. Never blocks on the network. A snapshot that cannot be sent (a field under both
        spellings with different values, NaN or infinity) is logged and counted as rejected.

        Raises:
            RuntimeError: after :meth:`close`.
        """
        if self._closed:
            raise RuntimeError("KernelClient: closed")
        try:
            body, _unknown = canonical_snapshot(snapshot)
        except ValueError as err:
            self._reject_locally(str(err))
            return
        body["kernel_id"] = self._kernel_id
        body.setdefault("timestamp", now_iso())
        problem = not_json_reason(body)
        if problem is not None:
            self._reject_locally(problem)
            return
        self._outbox.put(Report("POST", SNAPSHOTS_PATH, body, on_reply=self._on_batch_reply))

    def report_many(self, snapshots: Iterable[Mapping[str, Any]]) -> None:
        """Queues several snapshots."""
        for snapshot in snapshots:
            self.report(snapshot)

    def flush(self, timeout: float = 5.0) -> bool:
        """Sends what is buffered now; True when nothing is left (False while the server is away)."""
        return self._outbox.flush(timeout)

    def report_fatigue(
        self,
        phi: float,
        kappa: float,
        load: Optional[float] = None,
        error_rate: Optional[float] = None,
    ) -> Optional[Dict[str, Any]]:
        """Reports fatigue now: ``{fatigue_score, should_rest, reason, directive}``, or None
        when the server is away (not buffered: a stale fatigue score is worth nothing).

        Raises:
            AutonomicRequestError: when the server refuses (unknown kernel, a bad value).
        """
        body: Dict[str, Any] = {"phi": phi, "kappa": kappa}
        if load is not None:
            body["load"] = load
        if error_rate is not None:
            body["error_rate"] = error_rate
        try:
            reply = self._transport.request("POST", f"/api/rest/fatigue/{self._quoted_id}", body)
        except AutonomicRequestError as err:
            if err.transient:
                return None
            raise
        directive = reply.get("directive")
        if isinstance(directive, dict):
            self._follow(directive)
        return reply

    def request_rest(self, force: bool = False) -> Optional[Dict[str, Any]]:
        """Asks for a rest: ``{approved, reason, reason_code, covering_partner, …}``, or None
        when the server is away.

        Raises:
            AutonomicRequestError: when the server refuses the request itself (e.g. force on an
                essential kernel, or without an operator token).
        """
        try:
            return self._transport.request(
                "POST", f"/api/rest/request/{self._quoted_id}", {"force": True} if force else {}
            )
        except AutonomicRequestError as err:
            if err.transient:
                return None
            raise

    def end_rest(self) -> Optional[Dict[str, Any]]:
        """Ends the kernel's rest; returns its status, or None when buffered (server away).

        Raises:
            AutonomicRequestError: when the server refuses (e.g. 409: not resting).
        """
        reply = self._outbox.send_or_queue(
            Report("POST", f"/api/rest/end/{self._quoted_id}", None, keep=True)
        )
        return reply.get("kernel") if reply else None

    # -- lifecycle --------------------------------------------------------------------------

    def wait_for_actions(self, timeout: float = 5.0) -> bool:
        """Waits until every action taken so far has run and its answer was sent or buffered."""
        return self._actions.wait_idle(timeout)

    def stats(self) -> KernelClientStats:
        """A copy of the counters."""
        s = self._outbox.stats()
        with self._lock:
            answered = self._answered
        return KernelClientStats(s.buffered, s.sent, s.dropped, s.rejected, s.retries, answered)

    def close(self, timeout: float = 5.0) -> None:
        """Sends what is buffered (bounded by ``timeout``) and stops the background threads."""
        if self._closed:
            return
        self._closed = True
        self._actions.wait_idle(timeout)
        self._actions.close()
        self._outbox.close(timeout)

    def __enter__(self) -> "KernelClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    @property
    def _quoted_id(self) -> str:
        return quote(self._kernel_id, safe="")

    def _reject_locally(self, why: str) -> None:
        self._outbox.count_rejected()
        logger.warning("[%s] snapshot not sent: %s", self._kernel_id, why)

    def _on_batch_reply(self, reply: Dict[str, Any]) -> None:
        directives = reply.get("directives")
        directive = directives.get(self._kernel_id) if isinstance(directives, dict) else None
        if directive is None:
            directive = reply.get("directive")
        if isinstance(directive, dict):
            self._follow(directive)

    def _follow(self, directive: Dict[str, Any]) -> None:
        with self._lock:
            self._directive = directive
        if self._on_directive is not None:
            try:
                self._on_directive(directive)
            except Exception:
                logger.exception("autonomic_client: on_directive callback failed")
        actions = directive.get("actions")
        if isinstance(actions, list) and actions:
            self._actions.submit(actions)
        rest = as_dict(directive.get("rest"))
        if self._auto_rest and rest.get("should_rest") and rest.get("status") == "active":
            self._auto_request_rest()

    def _auto_request_rest(self) -> None:
        with self._lock:
            if self._requesting_rest:
                return
            self._requesting_rest = True

        def ask() -> None:
            try:
                reply = self.request_rest()
                if reply is not None:
                    logger.info("[%s] auto rest: %s", self._kernel_id, reply.get("reason"))
            except AutonomicRequestError as err:
                logger.warning("[%s] auto rest refused: %s", self._kernel_id, err)
            finally:
                with self._lock:
                    self._requesting_rest = False

        threading.Thread(target=ask, name=f"autonomic-rest-{self._kernel_id}", daemon=True).start()

    def _answer_action(self, action_id: str, result: Dict[str, Any]) -> None:
        path = f"/api/self-healing/actions/{quote(action_id, safe='')}/result"

        def answered(_reply: Dict[str, Any]) -> None:
            with self._lock:
                self._answered += 1

        def refused(err: AutonomicRequestError) -> None:
            # 409: answered already, or past its timeout: nothing more to say.
            if err.status == 400 and "predicted" in result:
                # The handler's prediction was refused: say the run failed, with the reason.
                retry = {"ok": False, "error": f"predicted metrics refused: {err.body.get('error', err)}"}
                self._outbox.put(Report("POST", path, retry, keep=True, on_reply=answered))
            elif err.status != 409:
                logger.warning("[%s] answer to action %s refused: %s", self._kernel_id, action_id, err)

        report = Report("POST", path, result, keep=True, on_reply=answered, on_refused=refused)
        try:
            self._outbox.send_or_queue(report)
        except AutonomicRequestError as err:
            refused(err)
