"""The client's bounded queue of reports waiting for the control plane.

Every write a kernel makes (registration, fatigue, snapshots, action answers, end of rest)
is a *report*. When the server answers, a report is sent at once; while it is away, reports
wait here, in order, and a background thread retries with exponential backoff and jitter
until the server is back. The queue is bounded: when full, the oldest report gives way to
the newest (the present matters most to a health monitor) and every one given up is counted,
except reports marked ``keep`` (a registration, an end of rest, a baseline), which later
reports depend on. Consecutive snapshots leave as one batch (``POST /api/self-healing/snapshots``).

A refused report (HTTP 4xx other than 429) would be refused again, so it is dropped, counted
and logged; in a refused batch only the item the server names (``snapshots[3]…``) is dropped.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Set

from ._transport import AutonomicRequestError, Transport

logger = logging.getLogger("autonomic_client")

SNAPSHOTS_PATH = "/api/self-healing/snapshots"
_INDEX = re.compile(r"snapshots\[(\d+)\]")


@dataclass(eq=False)
class Report:
    """One write waiting to be sent.

    Attributes:
        method: HTTP method.
        path: the route; for a snapshot, :data:`SNAPSHOTS_PATH` (it travels in a batch).
        body: the JSON body; for a snapshot, the snapshot itself.
        keep: never dropped when the queue is full (later reports depend on it).
        on_reply: called with the server's reply once it is accepted.
        on_refused: called with the error when the server refuses it.
    """

    method: str
    path: str
    body: Optional[Dict[str, Any]] = None
    keep: bool = False
    on_reply: Optional[Callable[[Dict[str, Any]], None]] = None
    on_refused: Optional[Callable[[AutonomicRequestError], None]] = None
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def is_snapshot(self) -> bool:
        return self.path == SNAPSHOTS_PATH


@dataclass
class OutboxStats:
    """Counters for the kernel's own logs and dashboards."""

    #: Reports waiting now.
    buffered: int
    #: Reports the server accepted.
    sent: int
    #: Reports given up because the queue was full.
    dropped: int
    #: Reports the server refused as invalid.
    rejected: int
    #: Failed attempts to reach the server.
    retries: int


class Outbox:
    """A bounded, ordered queue of reports, with a background sender.

    Example::

        outbox = Outbox(transport, limit=10_000)
        body = {"kernel_id": "apollo_1", "kernel_name": "Apollo"}
        outbox.send_or_queue(Report("POST", "/api/rest/kernels", body, keep=True))
        outbox.flush(timeout=2.0)
    """

    def __init__(
        self,
        transport: Transport,
        limit: int = 10_000,
        batch_size: int = 100,
        retry_initial: float = 0.25,
        retry_max: float = 30.0,
        jitter: float = 0.2,
        linger: float = 0.0,
        name: str = "autonomic-outbox",
    ) -> None:
        if limit < 1:
            raise ValueError("buffer_limit: must be a positive integer")
        if batch_size < 1:
            raise ValueError("batch_size: must be a positive integer")
        self._transport = transport
        self._limit = limit
        self._batch_size = batch_size
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._jitter = jitter
        self._linger = max(0.0, linger)
        self._name = name
        self._queue: Deque[Report] = deque()
        self._inflight: Set[int] = set()
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._send_lock = threading.Lock()
        self._attempt = 0
        self._retry_at = 0.0
        self._closed = False
        self._worker: Optional[threading.Thread] = None
        self._sent = 0
        self._dropped = 0
        self._rejected = 0
        self._retries = 0
        self._away_logged = False
        transport.on_up(self.wake)

    # -- queueing -------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Reports waiting to be sent."""
        with self._lock:
            return len(self._queue)

    def stats(self) -> OutboxStats:
        """A copy of the counters."""
        with self._lock:
            return OutboxStats(len(self._queue), self._sent, self._dropped, self._rejected, self._retries)

    def put(self, report: Report) -> None:
        """Queues a report for the background sender; never blocks on the network."""
        with self._lock:
            self._queue.append(report)
            if len(self._queue) > self._limit:
                self._drop_oldest()
            self._wakeup.notify_all()
        self._ensure_worker()

    def count_rejected(self, n: int = 1) -> None:
        """Counts reports refused before they were queued (checked on the client's side)."""
        with self._lock:
            self._rejected += n

    def send_or_queue(self, report: Report) -> Optional[Dict[str, Any]]:
        """Sends now when nothing waits before it and the server answers; else queues it.

        Returns the server's reply, or None when the report was queued.

        Raises:
            AutonomicRequestError: when the server refuses the report (not transient): the
                caller decides what a refusal means (an unknown kernel, a bad field).
        """
        with self._lock:
            behind_others = bool(self._queue)
        if behind_others or self._transport.is_down or self._closed:
            self.put(report)
            return None
        with self._send_lock:
            with self._lock:
                if self._queue:
                    behind_others = True
            if behind_others:
                self.put(report)
                return None
            try:
                # Repeatable: a report whose reply was lost is sent again anyway.
                reply = self._transport.request(
                    report.method, report.path, self._wire_body([report]), repeatable=True
                )
            except AutonomicRequestError as err:
                if not err.transient:
                    with self._lock:
                        self._rejected += 1
                    raise
                self._note_failure(err)
                self.put(report)
                return None
        with self._lock:
            self._sent += 1
        if report.on_reply is not None:
            self._callback(report.on_reply, reply)
        return reply

    def wake(self) -> None:
        """Retries now instead of waiting out the backoff (the server is back)."""
        with self._lock:
            self._retry_at = 0.0
            self._attempt = 0
            self._wakeup.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Sends what waits now, in the caller's thread, for at most about ``timeout`` seconds.

        Returns True when nothing is left waiting. Gives up at the first transient failure
        (the background sender retries later) and while the server is known to be away.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        if self.pending == 0:
            return True
        if self._transport.is_down:
            return False
        if not self._send_lock.acquire(timeout=max(0.0, timeout)):
            return False
        try:
            return self._drain(probe=False, deadline=deadline)
        finally:
            self._send_lock.release()

    def close(self, timeout: float = 2.0) -> None:
        """Stops the background sender after one last bounded attempt to send what waits."""
        if self._closed:
            return
        self.flush(timeout)
        with self._lock:
            self._closed = True
            self._wakeup.notify_all()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=max(0.1, timeout))

    # -- sending --------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._closed or (self._worker is not None and self._worker.is_alive()):
                return
            self._worker = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed:
                    now = time.monotonic()
                    ready_at = self._ready_at()
                    if ready_at is not None and now >= ready_at:
                        break
                    self._wakeup.wait(timeout=None if ready_at is None else ready_at - now)
                if self._closed:
                    return
            with self._send_lock:
                self._drain(probe=True, deadline=None)

    def _ready_at(self) -> Optional[float]:
        """When the sender should next send, or None with nothing to send. Holds _lock.

        Snapshots linger up to ``linger`` seconds so that they leave in batches; a full batch,
        or any other report, goes at once (after the backoff, if the last attempt failed).
        """
        if not self._queue:
            return None
        head = self._queue[0]
        ready = self._retry_at
        if head.is_snapshot and len(self._queue) < self._batch_size:
            ready = max(ready, head.queued_at + self._linger)
        return ready

    def _drain(self, probe: bool, deadline: Optional[float]) -> bool:
        """Sends head-first until empty (True) or a transient failure (False). Holds the send lock."""
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return self.pending == 0
            batch = self._next_batch()
            if not batch:
                return True
            try:
                reply = self._transport.request(
                    batch[0].method, batch[0].path, self._wire_body(batch), probe=probe, repeatable=True
                )
            except AutonomicRequestError as err:
                self._release(batch)
                if err.transient:
                    self._note_failure(err)
                    return False
                self._refuse(batch, err)
                continue
            self._accept(batch, reply)

    def _next_batch(self) -> List[Report]:
        with self._lock:
            if not self._queue:
                return []
            head = self._queue[0]
            batch = [head]
            if head.is_snapshot:
                for item in list(self._queue)[1 : self._batch_size]:
                    if not item.is_snapshot:
                        break
                    batch.append(item)
            self._inflight.update(id(r) for r in batch)
            return batch

    @staticmethod
    def _wire_body(batch: List[Report]) -> Optional[Dict[str, Any]]:
        if batch[0].is_snapshot:
            return {"snapshots": [r.body for r in batch]}
        return batch[0].body

    def _release(self, batch: List[Report]) -> None:
        with self._lock:
            for r in batch:
                self._inflight.discard(id(r))

    def _remove(self, items: List[Report]) -> None:
        """Removes sent or refused reports; those dropped meanwhile are already gone. Holds _lock."""
        ids = {id(r) for r in items}
        while self._queue and id(self._queue[0]) in ids:
            ids.discard(id(self._queue.popleft()))
        if ids and any(id(r) in ids for r in self._queue):
            self._queue = deque(r for r in self._queue if id(r) not in ids)
        for r in items:
            self._inflight.discard(id(r))

    def _accept(self, batch: List[Report], reply: Dict[str, Any]) -> None:
        with self._lock:
            self._remove(batch)
            self._sent += len(batch)
            self._attempt = 0
            self._retry_at = 0.0
            if self._away_logged:
                self._away_logged = False
                logger.info("autonomic_client: control plane reachable again; sending buffered reports")
        for r in batch:
            if r.on_reply is not None:
                self._callback(r.on_reply, reply)

    def _refuse(self, batch: List[Report], err: AutonomicRequestError) -> None:
        bad = batch
        match = _INDEX.search(str(err)) if batch[0].is_snapshot else None
        if match is not None and int(match.group(1)) < len(batch):
            bad = [batch[int(match.group(1))]]
        with self._lock:
            self._remove(bad)
            self._rejected += len(bad)
        logger.warning("autonomic_client: the server refused %d report(s): %s", len(bad), err)
        for r in bad:
            if r.on_refused is not None:
                self._callback(r.on_refused, err)

    def _note_failure(self, err: AutonomicRequestError) -> None:
        with self._lock:
            base = min(self._retry_max, self._retry_initial * (2**self._attempt))
            delay = base * (1 - self._jitter * random.random())
            self._attempt += 1
            self._retries += 1
            self._retry_at = time.monotonic() + delay
            first = not self._away_logged
            self._away_logged = True
        if first:
            logger.warning("autonomic_client: control plane unreachable, buffering reports: %s", err)
        self._ensure_worker()

    def _drop_oldest(self) -> None:
        """Drops the oldest report that may be dropped and is not being sent. Holds _lock."""
        for i, r in enumerate(self._queue):
            if not r.keep and id(r) not in self._inflight:
                del self._queue[i]
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 1000 == 0:
                    logger.warning(
                        "autonomic_client: report buffer full; %d report(s) dropped so far", self._dropped
                    )
                return

    @staticmethod
    def _callback(fn: Callable[..., None], arg: Any) -> None:
        try:
            fn(arg)
        except Exception:  # the kernel's callback must not stop the sender
            logger.exception("autonomic_client: report callback failed")


class BufferedReports:
    """What a client that reports through an ``Outbox`` (in ``self._outbox``) says of it."""

    _outbox: Outbox

    @property
    def pending_reports(self) -> int:
        """Reports buffered while the server is away."""
        return self._outbox.pending

    def stats(self) -> OutboxStats:
        """Counters: buffered, sent, dropped (buffer full), rejected (refused), retries."""
        return self._outbox.stats()

    def flush(self, timeout: float = 5.0) -> bool:
        """Sends buffered reports now; True when none is left."""
        return self._outbox.flush(timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Sends what is buffered (bounded by ``timeout``) and stops the background sender."""
        self._outbox.close(timeout)
