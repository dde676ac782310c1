"""Running the app: HTTP on waitress (a production WSGI server), or Socket Mode when an app token is set."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

from waitress.channel import HTTPChannel
from waitress.server import create_server

from bot import metrics
from bot.app import TouchpointApp
from bot.socket_mode import SocketModeWatch, socket_mode_health
from bot.web import MAX_BODY_BYTES

logger = logging.getLogger(__name__)


# How long a thread may hold the interpreter before handing over (Python's default is 5 ms). A request thread that
# holds SQLite's write lock gives up the interpreter at every query; with the default it then waits behind the other
# threads for up to 5 ms each time, and every writer queued behind it waits too. A shorter slice keeps a transaction
# short in wall-clock time under load. Set by serve() for the process (and by the benchmark, which measures it).
SWITCH_INTERVAL_SECONDS = 0.0001

# After SIGTERM a platform waits about 30 s before it kills (Heroku 30 s, Kubernetes' default grace 30 s): the requests
# in flight get up to REQUESTS_DRAIN_SECONDS to be answered, then the work after their acks up to JOBS_DRAIN_SECONDS.
REQUESTS_DRAIN_SECONDS = 8.0
JOBS_DRAIN_SECONDS = 12.0


def http_server(touchpoint: TouchpointApp, host: str, port: int, threads: int, **waitress_options):
    """A waitress server, not yet running: call .run() (blocks) and .close() to stop."""
    # Waitress itself cuts off a body far over the app's limit instead of buffering up to its own 1 GB default; one
    # just over it is still read, so that the app answers it with a clean 413.
    waitress_options.setdefault("max_request_body_size", 10 * MAX_BODY_BYTES)
    return create_server(
        touchpoint.wsgi(), host=host, port=port, threads=threads, ident="touchpoint", **waitress_options
    )


def serve(touchpoint: TouchpointApp) -> None:
    """Serve until SIGTERM (or SIGINT), then stop within about 20 s and return: see stop_gracefully."""
    settings = touchpoint.deps.settings
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    app_token = settings.slack_app_token
    if app_token is not None:  # settings.socket_mode
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("connecting to Slack in Socket Mode")
        handler = SocketModeHandler(touchpoint.bolt, app_token.get_secret_value())
        if settings.touchpoint_metrics_port is not None:  # no HTTP port of its own: health and metrics go there
            serve_socket_mode_health(handler, touchpoint, settings.touchpoint_metrics_port)
        handler.connect()
        stop.wait()
        logger.info("stopping: no new events")
        handler.close()
    else:
        server = ServerThread(
            touchpoint, host="0.0.0.0", port=settings.port, threads=settings.web_threads, loop_timeout=None
        ).start()
        logger.info("listening on port %s: POST /slack/events, GET /healthz", settings.port)
        stop.wait()
        logger.info("stopping: no new requests; answering those in flight")
        server.drain(REQUESTS_DRAIN_SECONDS)
    stop_gracefully(touchpoint)


def serve_socket_mode_health(handler, touchpoint: TouchpointApp, port: int, host: str = "0.0.0.0"):
    """GET /healthz (the connection's state and the database) and /metrics of a Socket Mode process, on `port`."""
    watch = SocketModeWatch(handler.client)
    metrics.watch_connection(watch)
    app = metrics.health_app(socket_mode_health(watch, touchpoint.deps.db))
    return metrics.serve_health(port, app, "socket-mode-health", host=host)


def stop_gracefully(touchpoint: TouchpointApp, timeout: float = JOBS_DRAIN_SECONDS) -> None:
    """Give the work queued after acks `timeout` seconds, hand back what did not start (answers' posts go back to
    the scheduling pass at once), and close. Work still running then is abandoned: it is claimed in the database,
    and the pass takes it over once its lease has passed, checking Slack's history first."""
    deps = touchpoint.deps
    deadline = time.monotonic() + timeout
    finished = deps.interactive.stop(timeout) & deps.background.stop(max(0.0, deadline - time.monotonic()))
    touchpoint.close()
    if not finished:
        logger.warning("stopped with work still running after %.0f s: the scheduling pass takes it over", timeout)
        logging.shutdown()
        os._exit(0)  # do not wait for it at exit: the platform would kill the process anyway
    logger.info("stopped")


class ServerThread:
    """The app's HTTP server on a thread of this process (demo, tests, benchmarks): start(), url, stop()."""

    def __init__(
        self,
        touchpoint: TouchpointApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        loop_timeout: float | None = 0.05,
    ) -> None:
        # A short loop timeout makes stop() prompt; production's serve() keeps waitress's default (None).
        options = {} if loop_timeout is None else {"asyncore_loop_timeout": loop_timeout}
        self._server = http_server(touchpoint, host, port, threads, **options)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="touchpoint-http", daemon=True)
        self.url = f"http://{host}:{self._server.effective_port}"

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping.is_set():  # closing the socket under select() is how waitress stops from outside
                raise

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.close()
        self._thread.join(timeout=5)

    def drain(self, timeout: float) -> bool:
        """Stop taking connections, give the requests in flight up to `timeout` seconds to be answered, then stop.
        True if none was left unanswered."""
        server = self._server
        server.accepting = False  # the loop no longer selects the listening socket
        server.pull_trigger()
        deadline = time.monotonic() + timeout
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)  # waitress offers no event for "all answered"
        busy = self._busy()
        self.stop()
        return not busy

    def _busy(self) -> bool:
        dispatcher = self._server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return True
        channels = [c for c in list(self._server._map.values()) if isinstance(c, HTTPChannel)]
        return any(c.requests or c.total_outbufs_len for c in channels)
