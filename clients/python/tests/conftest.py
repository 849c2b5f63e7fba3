"""Fixtures: a live Autonomic server per test (fresh database), started from the built dist/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_process import ServerMissing, ServerProcess  # noqa: E402

from autonomic_client import kernel_rest_scheduler  # noqa: E402

StartServer = Callable[..., ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Starts servers on demand: ``start_server(port=0, env={...})``; all are stopped at the end."""
    started: List[ServerProcess] = []

    def start(port: int = 0, env: Optional[Dict[str, str]] = None) -> ServerProcess:
        server = ServerProcess(tmp_path / f"server{len(started)}", port=port, env=env)
        started.append(server)
        try:
            return server.start()
        except ServerMissing as err:
            pytest.fail(str(err), pytrace=False)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """A live server with no tokens, the shipped registry and a fresh SQLite file."""
    return start_server()


@pytest.fixture(autouse=True)
def _clean_client_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without a client URL or token in the environment and without the
    process-wide scheduler of an earlier test."""
    monkeypatch.delenv("AUTONOMIC_URL", raising=False)
    monkeypatch.delenv("AUTONOMIC_TOKEN", raising=False)
    kernel_rest_scheduler.reset_rest_scheduler()
    yield
    kernel_rest_scheduler.reset_rest_scheduler()


@pytest.fixture(autouse=True)
def _client_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="autonomic_client")
