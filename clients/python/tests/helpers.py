"""Telemetry that puts a kernel where a test needs it, by SPEC §3's fatigue formula."""

from __future__ import annotations

from autonomic_client.kernel_rest_scheduler import KernelRestScheduler

#: Φ 0.8 at κ* scores ~0: a fresh kernel, free to cover.
FRESH = {"phi": 0.8, "kappa": 64.21}
#: After FRESH, Φ falling to 0.05 at κ 10 scores ~0.63: above every policy threshold but
#: `never`'s (0.95) and the partner limit (0.70).
TIRED = {"phi": 0.05, "kappa": 10.0}
#: After FRESH, Φ 0 at κ 0 with full load and errors scores ~0.95+: too tired to cover.
EXHAUSTED = {"phi": 0.0, "kappa": 0.0, "load": 1.0, "error_rate": 1.0}


def make_fresh(scheduler: KernelRestScheduler, kernel_id: str) -> None:
    scheduler.update_fatigue(kernel_id, **FRESH)


def make_tired(scheduler: KernelRestScheduler, kernel_id: str) -> None:
    """Two reports: a fresh one, then a falling Φ (the trend adds to the fatigue)."""
    scheduler.update_fatigue(kernel_id, **FRESH)
    scheduler.update_fatigue(kernel_id, **TIRED)


def make_exhausted(scheduler: KernelRestScheduler, kernel_id: str) -> None:
    scheduler.update_fatigue(kernel_id, **FRESH)
    scheduler.update_fatigue(kernel_id, **EXHAUSTED)
