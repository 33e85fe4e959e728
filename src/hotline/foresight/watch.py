"""The server's continuous early warning: every interval, scan the orders that arrived since the last scan.

A scan covers data time, not wall-clock time: from where the previous scan stopped to the newest
order in the store, so a store fed in bursts (or a simulator running ahead) is scanned all the same.
Each scan replays the REPLAY_DAYS before its new part too, so that episodes and mutes begun there
still hold; only alerts detected in the new part are kept (a replay of the same time adds nothing).
After each scan the watch runs its followers (the incident grouping): work too slow for a request that
reads the ledger the scan has just brought up to date.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from hotline.db import unit_of_work
from hotline.foresight.alerts import KINDS, AlertService, ScanResult
from hotline.foresight.models import WatchState
from hotline.foresight.queries import data_span

log = logging.getLogger(__name__)

STATE = "server"
REPLAY_DAYS = 14  # the longest mute of a detector (emerging, hot spot, backlog: 14 days)
FIRST_DAYS = 2  # a store never scanned before: its last two days, so a fresh screen has something to show


class AlertWatch:
    """A background thread that scans new orders for alerts on an interval until stopped."""

    def __init__(self, platform, interval: float, after_scan: Sequence[Callable[[], object]] = ()) -> None:
        if interval <= 0:
            raise ValueError("the scan interval must be positive")
        self.platform = platform
        self.interval = interval
        self.after_scan = tuple(after_scan)  # each run after every scan, whether it found anything new or not
        self.last_result: ScanResult | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start scanning in the background (the first scan after one interval)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="alert-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after the scan in progress, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.scan_once()
                self.last_error = None
            except Exception as error:  # noqa: BLE001 — a failed scan must not end the watch; the next one retries
                self.last_error = str(error)
                log.exception("early-warning scan failed")
            for follower in self.after_scan:
                if self._stop.is_set():  # shutting down: the platform is about to close under the followers
                    break
                try:
                    follower()
                except Exception:  # noqa: BLE001 — as above: the next round retries
                    log.exception("%s after the early-warning scan failed", getattr(follower, "__name__", follower))

    def scan_once(self) -> ScanResult | None:
        """Scan from where the last scan stopped up to the newest order; None when nothing is new."""
        _, newest = data_span(self.platform.engine)
        if newest is None:
            return None
        upto = newest + timedelta(seconds=1)
        since = self._scanned_to() or upto - timedelta(days=FIRST_DAYS)
        if upto <= since:
            return None
        result = AlertService(self.platform).scan(since - timedelta(days=REPLAY_DAYS), upto, KINDS, deliver=True,
                                                  keep_from=since)
        self._save(upto)
        self.last_result = result
        log.info("early-warning scan of %s..%s: %d new alerts in %.1f s", since, upto, result.stored, result.seconds)
        return result

    def _scanned_to(self) -> datetime | None:
        with self.platform.sessions() as session:
            return session.scalar(select(WatchState.scanned_to).where(WatchState.name == STATE))

    def _save(self, upto: datetime) -> None:
        with unit_of_work(self.platform.sessions) as session:
            state = session.get(WatchState, STATE)
            if state is None:
                session.add(WatchState(name=STATE, scanned_to=upto))
            else:
                state.scanned_to = upto
