"""Wire forms shared by the clients: snapshot field names (SPEC §4) and instants."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

#: The original's field names and ours (SPEC §4). The client sends ours, so the snapshot is
#: understood by a server that does not know the aliases too.
SNAPSHOT_ALIASES: Dict[str, str] = {
    "avg_latency": "avg_latency_ms",
    "latency_ms": "avg_latency_ms",
    "basin_coordinates": "basin_coords",
    "memory_usage_mb": "memory_mb",
    "cpu_usage_pct": "cpu_pct",
}

#: Every snapshot field the server knows (SPEC §4).
SNAPSHOT_FIELDS = frozenset(
    {
        "kernel_id",
        "timestamp",
        "phi",
        "kappa_eff",
        "basin_coords",
        "basin_encoding",
        "confidence",
        "surprise",
        "agency",
        "error_rate",
        "avg_latency_ms",
        "memory_mb",
        "cpu_pct",
        "code_hash",
        "label",
        "context",
    }
)


def now_iso() -> str:
    """The current instant as ISO 8601 with its zone, as the server requires."""
    return datetime.now(timezone.utc).isoformat()


def iso_from_epoch(seconds: Optional[float]) -> Optional[str]:
    """Epoch seconds as ISO 8601 (UTC), or None."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc).isoformat()


def to_float_list(values: Any) -> List[float]:
    """A basin as plain floats, from a list, tuple or numpy array; ValueError if it is not one."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError) as err:
        raise ValueError(f"basin_coords: must be a sequence of numbers ({err})") from None


def canonical_snapshot(state: Mapping[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """Renames the original's aliases to our field names and converts basins to lists.

    Returns the snapshot and the names of fields it does not know (left in, for the server
    to warn about or refuse). A field given under both spellings with different values is
    a ValueError, as it is a 400 on the server.

    Example::

        canonical_snapshot({"phi": 0.8, "kappa_eff": 64, "avg_latency": 120})
        # ({'phi': 0.8, 'kappa_eff': 64, 'avg_latency_ms': 120}, [])
    """
    out: Dict[str, Any] = {}
    for key, value in state.items():
        name = SNAPSHOT_ALIASES.get(key, key)
        if name in out and out[name] != value:
            raise ValueError(f"{key}: conflicts with {name} given with another value")
        out[name] = value
    if out.get("basin_coords") is not None:
        out["basin_coords"] = to_float_list(out["basin_coords"])
    unknown = [k for k in out if k not in SNAPSHOT_FIELDS]
    return out, unknown


def not_json_reason(body: Any) -> Optional[str]:
    """Why ``body`` cannot be sent as JSON (NaN, infinity, a non-JSON value), or None.

    Checked before a snapshot is queued: one such value would sink its whole batch.
    """
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError) as err:
        return str(err)
    return None


def as_dict(value: Any) -> Dict[str, Any]:
    """The value when it is a JSON object, else an empty one (replies are read leniently)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> List[Any]:
    """The value when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def is_finite_number(value: Any) -> bool:
    """True for an int or float that is neither NaN nor infinite (bool excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def as_float(value: Any) -> Optional[float]:
    """The value as a float when it is a finite number, else None."""
    return float(value) if is_finite_number(value) else None


def unit_norm(values: Iterable[float]) -> List[float]:
    """The vector scaled to unit length (the original's sphere projection); zeros stay zeros."""
    v = [float(x) for x in values]
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v] if norm > 0 else v


def regime_of(phi: float) -> str:
    """The processing regime from Φ (SPEC §4): linear, geometric, hierarchical or breakdown."""
    if phi < 0.3:
        return "linear"
    if phi < 0.7:
        return "geometric"
    if phi < 0.85:
        return "hierarchical"
    return "breakdown"
