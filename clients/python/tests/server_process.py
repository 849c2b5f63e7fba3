"""Runs a real Autonomic server (``node dist/cli/main.js serve``) for the tests.

The server is the repository's built one: nothing is built here. It binds 127.0.0.1 on the
port asked for (0 lets it pick), writes its SQLite file in a temporary folder, logs JSON lines
to a file (the "listening" line names its URL), and is stopped with its whole process group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER_MAIN = REPO_ROOT / "dist" / "cli" / "main.js"
START_TIMEOUT_SECONDS = 30.0


class ServerMissing(RuntimeError):
    """dist/ has not been built."""


def free_port() -> int:
    """A port free on 127.0.0.1 now (for a server started later on a known port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05) -> bool:
    """Polls ``predicate`` until it is truthy or ``timeout`` seconds pass; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return bool(result)
        time.sleep(interval)


class ServerProcess:
    """One ``autonomic serve`` process.

    Example::

        server = ServerProcess(tmp_path, port=0, env={"AUTONOMIC_KERNEL_TOKEN": "k"})
        server.start()
        ... server.url ...
        server.stop()
    """

    def __init__(self, workdir: Path, port: int = 0, env: Optional[Dict[str, str]] = None) -> None:
        self.workdir = Path(workdir)
        self.port = port
        self.extra_env = dict(env or {})
        self.db = self.workdir / "x.db"
        self.log_path = self.workdir / f"server-{port or 'auto'}-{time.monotonic_ns()}.log"
        self.process: Optional[subprocess.Popen] = None
        self.url: Optional[str] = None

    def start(self) -> "ServerProcess":
        if not SERVER_MAIN.exists():
            raise ServerMissing(
                f"{SERVER_MAIN} is missing: run `npm run build` at the repository root ({REPO_ROOT}) first"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The tests' own AUTONOMIC_* settings (a client's URL or token) are not the server's.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTONOMIC_") and k != "DATABASE_URL"}
        env.update(self.extra_env)
        command = [
            "node",
            str(SERVER_MAIN),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
        ]
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        if not wait_until(self._ready, timeout=START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError(f"autonomic serve did not become ready; log:\n{self.log_text()[-4000:]}")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(
                f"autonomic serve exited with {self.process.returncode}; log:\n{self.log_text()[-4000:]}"
            )
        if self.url is None:
            self.url = self._listening_url()
            if self.url is None:
                return False
        try:
            with urllib.request.urlopen(f"{self.url}/api/rest/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def _listening_url(self) -> Optional[str]:
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "listening" and isinstance(entry.get("url"), str):
                return str(entry["url"]).rstrip("/")
        return None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the process group, then SIGKILL if it has not exited within 10 s."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


def get_json(url: str, token: Optional[str] = None) -> dict:
    """GET a JSON reply (raising on HTTP errors)."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def post_json(
    url: str, body: Optional[dict] = None, token: Optional[str] = None, timeout: float = 30
) -> dict:
    """POST JSON and return the reply (raising on HTTP errors)."""
    data = json.dumps(body if body is not None else {}).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())
