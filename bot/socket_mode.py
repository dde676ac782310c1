"""The health of a Socket Mode connection: in Socket Mode the web process serves no HTTP port of its own, so its
/healthz and /metrics go on TOUCHPOINT_METRICS_PORT, and /healthz says whether Slack's connection is up and alive."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_sdk.socket_mode.builtin import SocketModeClient

from storage.db import Database

# Silence that makes a connection that says it is up suspect: the client pings Slack every ping_interval (10 s by
# default) and notes each pong, so three intervals (at least 30 s) without a pong or a message is a connection that
# is dead without knowing it (a half-open socket), which the platform should restart.
SILENT_INTERVALS = 3
SILENT_SECONDS_AT_LEAST = 30.0


class SocketModeWatch(Collector):
    """Watches a Socket Mode client: whether it is connected, when Slack last sent a message (an event, an action,
    its hello), and when the client last heard its ping answered. Also a Prometheus collector of those three."""

    def __init__(self, client: SocketModeClient, clock: Callable[[], float] = time.time) -> None:
        self._client, self._clock = client, clock
        self.started_at = clock()
        self.last_message_at = 0.0
        client.on_message_listeners.append(self._heard)

    def _heard(self, _message: str) -> None:
        self.last_message_at = self._clock()

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    @property
    def last_pong_at(self) -> float:
        session = self._client.current_session
        return float(session.last_ping_pong_time or 0.0) if session is not None else 0.0

    def health(self, database_reachable: bool) -> tuple[int, str]:
        """200 while connected and heard from lately (and the database answers); otherwise 503 and why."""
        now = self._clock()
        if not database_reachable:
            return 503, "the database is not reachable"
        if not self.connected:
            return 503, "not connected to Slack in Socket Mode"
        heard = max(self.last_message_at, self.last_pong_at, self.started_at)
        silent = max(SILENT_INTERVALS * float(self._client.ping_interval), SILENT_SECONDS_AT_LEAST)
        if now - heard > silent:
            return 503, f"connected to Slack in Socket Mode, but nothing heard for {now - heard:.0f} s"
        message = f"{now - self.last_message_at:.0f} s ago" if self.last_message_at else "none yet"
        pong = f"{now - self.last_pong_at:.0f} s ago" if self.last_pong_at else "none yet"
        return 200, f"ok: connected to Slack in Socket Mode; last message {message}, last pong {pong}"

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "touchpoint_socket_mode_connected", "1 while the Socket Mode connection is up", value=int(self.connected)
        )
        yield GaugeMetricFamily(
            "touchpoint_socket_mode_last_message_timestamp_seconds",
            "When Slack last sent a message over Socket Mode (Unix time; 0: none yet)",
            value=self.last_message_at,
        )
        yield GaugeMetricFamily(
            "touchpoint_socket_mode_last_pong_timestamp_seconds",
            "When Slack last answered the client's ping (Unix time; 0: none yet)",
            value=self.last_pong_at,
        )


def socket_mode_health(watch: SocketModeWatch, db: Database) -> Callable[[], tuple[int, str]]:
    """What GET /healthz of a Socket Mode process answers."""
    return lambda: watch.health(db.ping())
