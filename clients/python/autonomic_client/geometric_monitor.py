"""The original ``GeometricHealthMonitor``, served by Autonomic over HTTP.

``capture_snapshot`` sends the kernel's state to the server (buffered while it is away, so a
kernel never waits on it); ``detect_degradation`` and ``get_health_summary`` return the
server's verdict in the original's dict shapes. The server's reply shapes are read leniently
(every field with a fallback), so the monitor works with replies of SPEC §6's form
(``degraded``, ``issues`` as strings, ``severity``, ``metrics``…) and with the earlier form
(``status`` and structured ``issues``).

Basins: the original kept basins as unit vectors on a sphere; they are sent as
``basin_encoding: "embedding"`` (p_i = x_i² / Σx², the sphere-to-simplex map), which puts
them where the original's geometry had them. Pass ``basin_encoding="simplex"`` for basins
that are already probability vectors.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Deque, Dict, List, Optional

from ._config import UrlSpec, resolve_token, resolve_urls
from ._outbox import SNAPSHOTS_PATH, BufferedReports, Outbox, Report
from ._transport import AutonomicRequestError, Transport
from ._wire import (
    SNAPSHOT_ALIASES,
    as_dict,
    as_float,
    as_list,
    canonical_snapshot,
    is_finite_number,
    iso_from_epoch,
    not_json_reason,
    regime_of,
    to_float_list,
    unit_norm,
)

logger = logging.getLogger("autonomic_client")

#: Snapshots the server needs before it judges degradation (SPEC §4).
MIN_SNAPSHOTS = 10
_SEVERITY_OF_STATUS = {
    "healthy": "normal",
    "insufficient_data": "normal",
    "warning": "warning",
    "critical": "critical",
}


@dataclass
class GeometricSnapshot:
    """One captured state of the kernel, with the original's attributes."""

    timestamp: datetime
    phi: float
    kappa_eff: float
    #: Unit-norm basin (the original's sphere form); [] when none was given.
    basin_coords: List[float]
    confidence: float
    surprise: float
    agency: float
    regime: str
    code_hash: str
    active_modules: List[str]
    module_versions: Dict[str, str]
    error_rate: float
    avg_latency_ms: float
    memory_usage_mb: float
    cpu_usage_pct: float
    label: str = ""
    context: Dict[str, Any] = field(default_factory=dict)


class GeometricHealthMonitor(BufferedReports):
    """Monitors a kernel's geometric health through Autonomic.

    Args:
        snapshot_interval_sec: kept from the original (how often the kernel means to capture).
        history_size: snapshots kept in ``self.snapshots`` locally, as in the original.
        url: server URL(s); default ``AUTONOMIC_URL``, then http://127.0.0.1:7070.
        token: kernel bearer token; default ``AUTONOMIC_TOKEN``.
        kernel_id: the kernel the snapshots belong to (default "default", as SPEC §6 says).
        basin_encoding: "embedding" (the original's sphere vectors, default) or "simplex".
        timeout, buffer_limit, retry_initial, retry_max: as for the other clients.

    Example::

        monitor = GeometricHealthMonitor(kernel_id="apollo_1")
        monitor.capture_snapshot({"phi": 0.78, "kappa_eff": 63.9, "basin_coords": basin, "avg_latency": 120})
        if monitor.detect_degradation()["severity"] == "critical": ...
    """

    def __init__(
        self,
        snapshot_interval_sec: int = 60,
        history_size: int = 1000,
        *,
        url: UrlSpec = None,
        token: Optional[str] = None,
        kernel_id: str = "default",
        basin_encoding: str = "embedding",
        timeout: float = 5.0,
        buffer_limit: int = 10_000,
        retry_initial: float = 0.25,
        retry_max: float = 30.0,
    ) -> None:
        if basin_encoding not in ("embedding", "simplex"):
            raise ValueError("basin_encoding: must be 'embedding' or 'simplex'")
        self.snapshot_interval = snapshot_interval_sec
        self.history_size = history_size
        self.kernel_id = kernel_id
        self.basin_encoding = basin_encoding
        self.snapshots: Deque[GeometricSnapshot] = deque(maxlen=max(1, history_size))
        self.baseline_basin: Optional[List[float]] = None
        # The thresholds the server applies by default (SPEC §4), for reading.
        self.phi_min = 0.65
        self.phi_max = 0.85
        self.kappa_target = 64.21
        self.kappa_tolerance = 5.0
        self.basin_drift_max = 2.0
        self.error_rate_max = 0.05
        self.latency_max_ms = 2000
        self.memory_warning_mb = 1000
        self._transport = Transport(resolve_urls(url), resolve_token(token), timeout=timeout)
        self._outbox = Outbox(
            self._transport,
            limit=buffer_limit,
            retry_initial=retry_initial,
            retry_max=retry_max,
            name=f"autonomic-monitor-{kernel_id}",
        )
        self._lock = threading.Lock()
        self._warnings: List[str] = []
        self._last_directive: Optional[Dict[str, Any]] = None

    # -- capture ------------------------------------------------------------------------------

    def capture_snapshot(self, system_state: Dict[str, Any]) -> GeometricSnapshot:
        """Captures the kernel's state and sends it to the server (buffered while it is away).

        ``system_state`` holds phi and kappa_eff (required by the server), and optionally
        basin_coords (or basin_coordinates), confidence, surprise, agency, error_rate,
        avg_latency_ms (or avg_latency / latency_ms), memory_mb (or memory_usage_mb), cpu_pct
        (or cpu_usage_pct), code_hash, label, context, and set_baseline.

        Returns the snapshot with the original's defaults for what was not given. A state
        without phi or kappa_eff, with NaN or infinity, or with a field under both spellings
        and different values is not sent (the server never takes a silent default); it is
        logged and counted as rejected. A basin of zeros (the original's "no basin") is left out.
        """
        sendable = True
        try:
            wire, unknown = canonical_snapshot(system_state)
        except ValueError as err:
            self._reject_locally(str(err))
            wire = {SNAPSHOT_ALIASES.get(k, k): v for k, v in system_state.items()}
            unknown, sendable = [], False
        set_baseline = bool(wire.pop("set_baseline", False))
        unknown = [k for k in unknown if k != "set_baseline"]
        for key in unknown:
            wire.pop(key, None)
        if unknown:
            self._warn_once(f"fields not sent (not snapshot fields): {', '.join(sorted(unknown))}")

        snapshot = self._local_snapshot(wire)
        with self._lock:
            self.snapshots.append(snapshot)
            if (self.baseline_basin is None or set_baseline) and snapshot.basin_coords:
                self.baseline_basin = list(snapshot.basin_coords)

        if not sendable:
            return snapshot
        missing = [k for k in ("phi", "kappa_eff") if not is_finite_number(wire.get(k))]
        if missing:
            self._reject_locally(f"{', '.join(missing)} missing or not a finite number")
            return snapshot
        wire["kernel_id"] = self.kernel_id
        wire.setdefault("timestamp", snapshot.timestamp.isoformat())
        if wire.get("basin_coords") is not None and not any(wire["basin_coords"]):
            wire.pop("basin_coords")
            wire.pop("basin_encoding", None)
        if wire.get("basin_coords") is not None:
            wire.setdefault("basin_encoding", self.basin_encoding)
        if "memory_mb" not in wire and snapshot.memory_usage_mb > 0:
            wire["memory_mb"] = snapshot.memory_usage_mb
        problem = not_json_reason(wire)
        if problem is not None:
            self._reject_locally(problem)
            return snapshot
        self._outbox.put(Report("POST", SNAPSHOTS_PATH, wire, on_reply=self._on_reply))
        if set_baseline and wire.get("basin_coords"):
            self._queue_baseline(wire["basin_coords"], wire.get("basin_encoding", self.basin_encoding))
        return snapshot

    def set_baseline(self, basin_coords: Optional[Any] = None) -> None:
        """Sets the kernel's baseline basin: the one given, else the last captured one."""
        if basin_coords is not None:
            coords = to_float_list(basin_coords)
        else:
            with self._lock:
                last = self.snapshots[-1] if self.snapshots else None
            if last is None or not last.basin_coords:
                return
            coords = list(last.basin_coords)
        with self._lock:
            self.baseline_basin = unit_norm(coords)
        self._queue_baseline(coords, self.basin_encoding)

    def clear_history(self) -> None:
        """Clears this process's snapshot history (the server keeps its own)."""
        with self._lock:
            self.snapshots.clear()
            self.baseline_basin = None

    # -- verdicts ------------------------------------------------------------------------------

    def detect_degradation(self) -> Dict[str, Any]:
        """The server's degradation verdict for this kernel, in the original's shape.

        Returns a dict with ``degraded`` (bool), ``issues`` (list of str), ``severity``
        ("normal" | "warning" | "critical"), ``metrics`` and ``timestamp``; with fewer than
        10 snapshots, ``message: "Insufficient history for analysis"`` instead of metrics.
        The server's structured findings are under ``findings``. While the server is away:
        not degraded, with a ``message`` saying the verdict is unknown.
        """
        self._outbox.flush(timeout=2.0)
        try:
            reply = self._transport.request(
                "GET", "/api/self-healing/degradation", query={"kernel_id": self.kernel_id}
            )
        except AutonomicRequestError as err:
            if err.status == 404:
                return _insufficient()
            return {**_insufficient(), "message": f"Health monitor unreachable; degradation unknown ({err})"}
        d = as_dict(reply.get("degradation"))
        issues_raw = as_list(d.get("issues"))
        issues = [_issue_text(i) for i in issues_raw]
        severity = d.get("severity")
        if severity not in ("normal", "warning", "critical"):
            severity = _SEVERITY_OF_STATUS.get(str(d.get("status")), "normal")
        degraded = d.get("degraded")
        if not isinstance(degraded, bool):
            degraded = bool(issues)
        count = d.get("snapshots_collected", d.get("snapshots"))
        if d.get("status") == "insufficient_data" or (isinstance(count, int) and count < MIN_SNAPSHOTS):
            return _insufficient()
        findings = d.get("findings")
        if not isinstance(findings, list):
            findings = [i for i in issues_raw if isinstance(i, dict)]
        metrics: Optional[Dict[str, Any]] = d["metrics"] if isinstance(d.get("metrics"), dict) else None
        timestamp = d.get("timestamp")
        if metrics is None or not timestamp:
            health = self._health()
            metrics = metrics if metrics is not None else _metrics_from_health(health, self._trends())
            timestamp = timestamp or _last_snapshot_iso(health)
        return {
            "degraded": degraded,
            "issues": issues,
            "severity": severity,
            "metrics": metrics,
            "timestamp": timestamp,
            "findings": findings,
        }

    def get_health_summary(self) -> Dict[str, Any]:
        """The kernel's health in the original's shape.

        Keys: status ("healthy", "warning", "critical"; "no data" before any snapshot),
        snapshots_collected, current_phi, current_kappa, current_regime, basin_drift,
        issues (list of str), last_snapshot (ISO 8601). While the server is away: what this
        process captured last, with status "unknown" and an issue saying so.
        """
        self._outbox.flush(timeout=2.0)
        try:
            reply = self._transport.request(
                "GET", "/api/self-healing/health", query={"kernel_id": self.kernel_id}
            )
        except AutonomicRequestError as err:
            if err.status == 404:
                return {"status": "no data", "snapshots_collected": 0}
            return self._local_summary(str(err))
        h = as_dict(reply.get("health"))
        count = h.get("snapshots_collected", h.get("snapshots", 0))
        if not count:
            return {"status": "no data", "snapshots_collected": 0}
        raw_status = str(h.get("status", "healthy"))
        # The original called a kernel with too short a history healthy.
        status = "healthy" if raw_status in ("insufficient_data", "normal") else raw_status
        issues = as_list(h.get("issues"))
        return {
            "status": status,
            "snapshots_collected": count,
            "current_phi": h.get("current_phi", h.get("phi")),
            "current_kappa": h.get("current_kappa", h.get("kappa_eff")),
            "current_regime": h.get("current_regime", h.get("regime")),
            "basin_drift": h.get("basin_drift"),
            "issues": [_issue_text(i) for i in issues],
            "last_snapshot": _last_snapshot_iso(h),
        }

    # -- beyond the original ----------------------------------------------------------------

    @property
    def last_directive(self) -> Optional[Dict[str, Any]]:
        """The directive of the last snapshot reply (rest status and pending actions)."""
        with self._lock:
            return self._last_directive

    # -- internals ---------------------------------------------------------------------------

    def _local_snapshot(self, wire: Dict[str, Any]) -> GeometricSnapshot:
        def num(key: str, default: float) -> float:
            value = as_float(wire.get(key))
            return default if value is None else value

        phi = num("phi", 0.5)
        try:
            basin = to_float_list(wire.get("basin_coords") or [])
        except ValueError:
            basin = []
        memory = num("memory_mb", -1.0)
        if memory < 0:
            memory = _process_memory_mb()
        return GeometricSnapshot(
            timestamp=datetime.now(timezone.utc),
            phi=phi,
            kappa_eff=num("kappa_eff", 50.0),
            basin_coords=unit_norm(basin),
            confidence=num("confidence", 0.5),
            surprise=num("surprise", 0.0),
            agency=num("agency", 0.5),
            regime=regime_of(phi),
            code_hash=str(wire.get("code_hash") or "unknown"),
            active_modules=[],
            module_versions={},
            error_rate=num("error_rate", 0.0),
            avg_latency_ms=num("avg_latency_ms", 100.0),
            memory_usage_mb=memory,
            cpu_usage_pct=num("cpu_pct", 0.0),
            label=str(wire.get("label") or ""),
            context=dict(wire.get("context") or {}),
        )

    def _queue_baseline(self, coords: List[float], encoding: str) -> None:
        body = {"kernel_id": self.kernel_id, "basin_coords": list(coords), "basin_encoding": encoding}
        self._outbox.put(Report("POST", "/api/self-healing/baseline", body, keep=True))

    def _on_reply(self, reply: Dict[str, Any]) -> None:
        directive = as_dict(reply.get("directives")).get(self.kernel_id, reply.get("directive"))
        warnings = reply.get("warnings")
        with self._lock:
            if isinstance(directive, dict):
                self._last_directive = directive
        if isinstance(warnings, list) and warnings:
            self._warn_once(f"server warnings: {warnings}")

    def _health(self) -> Dict[str, Any]:
        try:
            reply = self._transport.request(
                "GET", "/api/self-healing/health", query={"kernel_id": self.kernel_id}
            )
        except AutonomicRequestError:
            return {}
        return as_dict(reply.get("health"))

    def _trends(self) -> Dict[str, Any]:
        try:
            reply = self._transport.request(
                "GET", "/api/self-healing/trends", query={"kernel_id": self.kernel_id}
            )
        except AutonomicRequestError:
            return {}
        return as_dict(as_dict(reply.get("trends")).get("slopes_per_snapshot"))

    def _local_summary(self, why: str) -> Dict[str, Any]:
        with self._lock:
            last = self.snapshots[-1] if self.snapshots else None
            count = len(self.snapshots)
        if last is None:
            return {"status": "no data", "snapshots_collected": 0}
        return {
            "status": "unknown",
            "snapshots_collected": count,
            "current_phi": last.phi,
            "current_kappa": last.kappa_eff,
            "current_regime": last.regime,
            "basin_drift": None,
            "issues": [f"Health monitor unreachable; health not evaluated ({why})"],
            "last_snapshot": last.timestamp.isoformat(),
        }

    def _reject_locally(self, why: str) -> None:
        self._outbox.count_rejected()
        self._warn_once(f"snapshot not sent: {why}")

    def _warn_once(self, message: str) -> None:
        with self._lock:
            if message in self._warnings:
                return
            self._warnings.append(message)
        logger.warning("autonomic_client: %s", message)


def _insufficient() -> Dict[str, Any]:
    return {
        "degraded": False,
        "issues": [],
        "severity": "normal",
        "message": "Insufficient history for analysis",
    }


def _issue_text(issue: Any) -> str:
    if isinstance(issue, str):
        return issue
    if isinstance(issue, dict):
        return str(issue.get("message") or issue.get("rule") or issue)
    return str(issue)


def _last_snapshot_iso(health: Dict[str, Any]) -> Optional[str]:
    last = health.get("last_snapshot")
    if isinstance(last, str):
        return last
    ts = health.get("last_timestamp")
    return iso_from_epoch(ts) if is_finite_number(ts) else None


def _metrics_from_health(h: Dict[str, Any], slopes: Dict[str, Any]) -> Dict[str, Any]:
    """The original's metrics dict, from a health reply of the earlier form."""
    kappa = as_float(h.get("current_kappa", h.get("kappa_eff")))
    return {
        "basin_distance": h.get("basin_drift"),
        "phi_current": h.get("current_phi", h.get("phi")),
        "phi_avg": h.get("phi_avg"),
        "phi_trend": slopes.get("phi"),
        "kappa_current": kappa,
        "kappa_deviation": None if kappa is None else abs(kappa - 64.21),
        "regime": h.get("current_regime", h.get("regime")),
        "breakdown_frequency": None,
        "error_rate": h.get("error_rate"),
        "latency_ms": h.get("avg_latency_ms"),
        "memory_mb": h.get("memory_mb"),
        "memory_trend": slopes.get("memory_mb"),
    }


def _process_memory_mb() -> float:
    """Resident memory of this process in MB, when psutil is installed (as the original); else 0."""
    try:
        import psutil  # type: ignore[import-untyped,import-not-found,unused-ignore]

        return float(psutil.Process(os.getpid()).memory_info().rss) / (1024 * 1024)
    except Exception:
        return 0.0
