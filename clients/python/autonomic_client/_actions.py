"""Runs the remediation actions a directive carries, once each, through the kernel's handlers.

The server repeats a pending action in every directive until it is answered (at-least-once
delivery), so the runner remembers the ids it has taken and runs each one once. Handlers run
on one worker thread of their own, never on the kernel's thread or the report sender's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Optional

logger = logging.getLogger("autonomic_client")

#: Action ids remembered; older ones are forgotten (the server stops sending answered ones).
REMEMBERED_IDS = 1024
#: The server keeps at most this much of an error message.
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class ActionContext:
    """What a handler learns besides the action's params."""

    action_id: str
    patch_id: Optional[str]
    #: The action type, e.g. "enable_cache".
    type: str
    #: Try the action on a test workload and predict its effect; change nothing.
    dry_run: bool


#: A kernel's implementation of one action type. Return the predicted metrics
#: ({"phi", "kappa_eff", "basin_coords"?, "error_rate"?, "avg_latency"?}; needed for a dry run
#: to be scored) or None; raise to report failure.
ActionHandler = Callable[[Dict[str, Any], ActionContext], Optional[Dict[str, Any]]]


class ActionRunner:
    """Takes each new action once, runs its handler on a worker thread, and answers it.

    Example::

        runner = ActionRunner(answer=lambda action_id, result: post_result(action_id, result))
        runner.handle("enable_cache", lambda params, ctx: None if ctx.dry_run else enable(params))
        runner.submit(directive["actions"])
    """

    def __init__(self, answer: Callable[[str, Dict[str, Any]], None]) -> None:
        self._answer = answer
        self._handlers: Dict[str, ActionHandler] = {}
        self._taken: "OrderedDict[str, None]" = OrderedDict()
        self._lock = threading.Lock()
        self._queue: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self._worker: Optional[threading.Thread] = None
        self._idle = threading.Condition(self._lock)
        self._running = 0
        self.runs = 0

    def handle(self, action_type: str, handler: ActionHandler) -> None:
        """Registers the handler for one action type (replacing any earlier one)."""
        with self._lock:
            self._handlers[action_type] = handler

    def submit(self, actions: Iterable[Dict[str, Any]]) -> int:
        """Queues every action not taken before; returns how many were new."""
        new = 0
        with self._lock:
            for action in actions:
                action_id = action.get("action_id") if isinstance(action, dict) else None
                if not isinstance(action_id, str) or action_id in self._taken:
                    continue
                self._taken[action_id] = None
                if len(self._taken) > REMEMBERED_IDS:
                    self._taken.popitem(last=False)
                self._running += 1
                self._queue.put(action)
                new += 1
            if new and (self._worker is None or not self._worker.is_alive()):
                self._worker = threading.Thread(target=self._run, name="autonomic-actions", daemon=True)
                self._worker.start()
        return new

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every queued action is answered; True when it is."""
        with self._lock:
            return self._idle.wait_for(lambda: self._running == 0, timeout=timeout)

    def close(self) -> None:
        """Stops the worker once the queued actions are done."""
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            action = self._queue.get()
            if action is None:
                return
            try:
                self._run_one(action)
            finally:
                with self._lock:
                    self._running -= 1
                    self._idle.notify_all()

    def _run_one(self, action: Dict[str, Any]) -> None:
        action_type = str(action.get("type", ""))
        with self._lock:
            handler = self._handlers.get(action_type)
        result: Dict[str, Any]
        if handler is None:
            result = {"ok": False, "error": f"no handler for action type {action_type}"}
        else:
            context = ActionContext(
                action_id=str(action["action_id"]),
                patch_id=action.get("patch_id"),
                type=action_type,
                dry_run=bool(action.get("dry_run")),
            )
            raw = action.get("params")
            params: Dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
            try:
                predicted = handler(params, context)
                self.runs += 1
                result = {"ok": True, "predicted": predicted} if predicted else {"ok": True}
            except Exception as err:  # the handler's failure is the answer, not the client's
                self.runs += 1
                result = {"ok": False, "error": (str(err) or type(err).__name__)[:MAX_ERROR_LENGTH]}
        try:
            self._answer(str(action["action_id"]), result)
        except Exception:
            logger.exception("autonomic_client: answering action %s failed", action.get("action_id"))
