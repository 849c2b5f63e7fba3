"""Python clients of Autonomic, the control plane of an agent-kernel constellation.

Standard library only. The drop-ins keep the original modules' names, signatures and return
types, so a kernel moves over by changing an import:

- :mod:`autonomic_client.kernel_rest_scheduler`: ``KernelRestScheduler``, ``FatigueMetrics``,
  ``RestStatus``, ``get_rest_scheduler``, ``reset_rest_scheduler``.
- :class:`KernelRestMixin`: the rest mixin for god classes.
- :class:`GeometricHealthMonitor`: ``capture_snapshot``, ``detect_degradation``,
  ``get_health_summary``.
- :class:`KernelClient`: registration, batched telemetry, directives and remediation actions,
  like the TypeScript SDK.

Servers come from the ``url`` argument or ``AUTONOMIC_URL`` (comma-separated URLs fail over),
the bearer token from ``token`` or ``AUTONOMIC_TOKEN``.
"""

from ._actions import ActionContext, ActionHandler
from ._config import DEFAULT_URL
from ._outbox import OutboxStats
from ._transport import AutonomicRequestError
from .geometric_monitor import GeometricHealthMonitor, GeometricSnapshot
from .kernel_client import KernelClient, KernelClientStats
from .kernel_rest_mixin import KernelRestMixin
from .kernel_rest_scheduler import (
    FatigueMetrics,
    KernelRestScheduler,
    RestStatus,
    get_rest_scheduler,
    reset_rest_scheduler,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL",
    "ActionContext",
    "ActionHandler",
    "AutonomicRequestError",
    "FatigueMetrics",
    "GeometricHealthMonitor",
    "GeometricSnapshot",
    "KernelClient",
    "KernelClientStats",
    "KernelRestMixin",
    "KernelRestScheduler",
    "OutboxStats",
    "RestStatus",
    "get_rest_scheduler",
    "reset_rest_scheduler",
]
