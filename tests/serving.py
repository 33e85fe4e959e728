"""Starting a real `hotline serve` for tests, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, output, wait_seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of `hotline serve` on a free port; fails the test if it does not come up."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "hotline", "serve", "--port", str(port)], env=env,
                               stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:  # it failed on start-up: say so now, not after the whole wait
            pytest.fail(f"hotline serve exited with code {process.returncode} before answering "
                        f"(output: {getattr(output, 'name', output)})")
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"hotline serve did not come up within {wait_seconds:.0f} s (output: {getattr(output, 'name', output)})")
