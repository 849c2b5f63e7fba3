"""JSON over HTTP to one or more Autonomic servers, with every failure sorted.

A failure is *transient* when trying again later can help (no reply, a timeout, HTTP 5xx or
429) and a *refusal* otherwise (any other 4xx: the same request would be refused again).
With several server URLs (SPEC §9: any replica answers every route), a URL that gives no
reply, or a 502/503/504, is set aside for a short cool-down and the next one is tried; the
one that last answered is tried first. A write moves on only when it surely took no effect
at the first URL (``not_applied``: the connection was refused, a 429, or a 503 a replica
sends before applying anything: with its retry header, or a code such as ``no_leader`` or
``database_unreachable``); a write whose outcome is unknown (a timeout, a reset,
``leader_lost``, a leader's own ``store_unavailable``) is failed back, so none is applied twice.
Reads, and the buffered reports (sent again on any failure anyway), move on every time.
While every URL is cooling down, calls fail at once without touching the network, so a
kernel whose control plane is away does not pay a connection attempt on each of its own calls.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

logger = logging.getLogger("autonomic_client")

#: Statuses after which another replica may well answer.
_FAILOVER_STATUSES = frozenset({502, 503, 504})
# The 503 codes a replica sends before it applies anything (no leader yet or reachable, a
# fence that refused the commit, no database to vouch for it); every other 503, such as
# "leader_lost" or a leader's own "store_unavailable", leaves the outcome unknown.
_NOT_APPLIED_CODES = frozenset(
    {"no_leader", "leader_starting", "leader_unreachable", "not_leader", "database_unreachable"}
)
# Set by a replica on a 503 for a request it did not apply.
_RETRY_HEADER = "x-autonomic-retry"


class AutonomicRequestError(Exception):
    """A call to the control plane that did not succeed.

    Attributes:
        status: the HTTP status, or None when no reply came (refused connection, timeout).
        transient: whether retrying later can help.
        code: the server's machine-readable code (e.g. ``"invalid_input"``), when it sent one.
        body: the parsed reply body, when there was one.
        not_applied: True when the request surely took no effect (refused connection, 429, a
            503 a replica sent before applying anything), so it may go to another replica.
    """

    def __init__(
        self,
        message: str,
        status: Optional[int],
        transient: bool,
        code: Optional[str] = None,
        body: Optional[Dict[str, Any]] = None,
        not_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.code = code
        self.body = body or {}
        self.not_applied = not_applied


class Transport:
    """Sends JSON requests to the first answering server of a list.

    Example::

        transport = Transport(["http://127.0.0.1:7070"], token="kernel-token")
        transport.request("POST", "/api/rest/kernels", {"kernel_id": "apollo_1", "kernel_name": "Apollo"})
    """

    def __init__(
        self,
        urls: Sequence[str],
        token: Optional[str] = None,
        timeout: float = 5.0,
        cooldown_initial: float = 0.25,
        cooldown_max: float = 5.0,
    ) -> None:
        if not urls:
            raise ValueError("urls: at least one server URL is required")
        self.urls: List[str] = [u.rstrip("/") for u in urls]
        self.token = token
        self.timeout = timeout
        self._cooldown_initial = cooldown_initial
        self._cooldown_max = cooldown_max
        self._lock = threading.Lock()
        self._preferred = 0
        self._down_until: Dict[str, float] = {}
        self._failures: Dict[str, int] = {}
        self._up_listeners: List[Callable[[], None]] = []

    def on_up(self, listener: Callable[[], None]) -> None:
        """Calls ``listener`` whenever a request succeeds after a failure (a server came back)."""
        self._up_listeners.append(listener)

    @property
    def is_down(self) -> bool:
        """True while every URL is cooling down after failing to answer."""
        now = time.monotonic()
        with self._lock:
            return all(self._down_until.get(u, 0.0) > now for u in self.urls)

    def request(
        self,
        method: str,
        path: str,
        body: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        probe: bool = False,
        repeatable: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Sends one request and returns the parsed JSON body of a 2xx reply.

        Args:
            method: "GET", "POST" or "DELETE".
            path: the route, e.g. "/api/rest/status".
            body: a JSON object to send, or None.
            query: query-string parameters; None values are left out.
            probe: try every URL even while all are cooling down (the retry loop's probe).
            repeatable: whether the request may reach two replicas (default: only a GET);
                otherwise it moves on only when it surely was not applied.

        Raises:
            AutonomicRequestError: on any failure, with ``transient`` set when retrying can help.
        """
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                path = f"{path}?{urllib.parse.urlencode(pairs)}"
        if repeatable is None:
            repeatable = method == "GET"
        last: Optional[AutonomicRequestError] = None
        for url in self._candidates(probe):
            try:
                reply = self._send(url, method, path, body)
            except AutonomicRequestError as err:
                if not err.transient and err.status is None:
                    raise  # refused before sending (a body that is not JSON)
                if err.status is None or err.status in _FAILOVER_STATUSES:
                    self._mark_down(url)
                    if not (repeatable or err.not_applied):
                        raise  # it may have been applied: never send it twice
                    last = err
                    continue
                self._mark_up(url)
                raise
            self._mark_up(url)
            return reply
        if last is None:
            raise AutonomicRequestError(
                f"{method} {path}: no server reachable (all cooling down after failures)", None, True
            )
        raise last

    def _candidates(self, probe: bool) -> List[str]:
        now = time.monotonic()
        with self._lock:
            ordered = self.urls[self._preferred :] + self.urls[: self._preferred]
            if probe:
                return ordered
            return [u for u in ordered if self._down_until.get(u, 0.0) <= now]

    def _mark_down(self, url: str) -> None:
        with self._lock:
            n = self._failures.get(url, 0)
            self._failures[url] = n + 1
            delay = min(self._cooldown_max, self._cooldown_initial * (2**n))
            self._down_until[url] = time.monotonic() + delay

    def _mark_up(self, url: str) -> None:
        with self._lock:
            was_failing = self._failures.pop(url, 0) > 0
            self._down_until.pop(url, None)
            self._preferred = self.urls.index(url)
        if was_failing:
            for listener in list(self._up_listeners):
                try:
                    listener()
                except Exception:  # a listener's fault must not fail the request
                    logger.exception("autonomic_client: up-listener failed")

    def _send(self, url: str, method: str, path: str, body: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        headers = {"accept": "application/json"}
        data: Optional[bytes] = None
        if body is not None:
            try:
                data = json.dumps(body, allow_nan=False).encode("utf-8")
            except (TypeError, ValueError) as err:
                # NaN, infinity or a non-JSON value: the server would refuse it too.
                raise AutonomicRequestError(
                    f"{method} {path}: body is not JSON: {err}", None, False, "invalid_input"
                ) from None
            headers["content-type"] = "application/json"
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _parse(response.read())
        except urllib.error.HTTPError as err:
            status = err.code
            try:
                parsed = _parse(err.read())
            except Exception:
                parsed = {}
            message = parsed.get("error") if isinstance(parsed.get("error"), str) else f"HTTP {status}"
            code = parsed.get("code") if isinstance(parsed.get("code"), str) else None
            transient = status >= 500 or status == 429
            not_applied = status == 429 or (
                status == 503 and (err.headers.get(_RETRY_HEADER) is not None or code in _NOT_APPLIED_CODES)
            )
            raise AutonomicRequestError(
                f"{method} {path}: HTTP {status}: {message}", status, transient, code, parsed, not_applied
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", err)
            # Refused or unresolvable: nothing was sent. A timeout or a reset may have been applied.
            not_sent = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
            raise AutonomicRequestError(
                f"{method} {path}: no reply from {url} ({reason})", None, True, not_applied=not_sent
            ) from None


def _parse(raw: bytes) -> Dict[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except ValueError:
        # A proxy's HTML error page: keep the start of it for the message.
        return {"error": raw[:200].decode("utf-8", "replace")}
    return parsed if isinstance(parsed, dict) else {"value": parsed}
