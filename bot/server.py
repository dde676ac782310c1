"""Running the app: HTTP on waitress (a production WSGI server), or Socket Mode when an app token is set."""

from __future__ import annotations

import logging
import sys
import threading

from waitress.server import create_server

from bot.app import Touchpoint

logger = logging.getLogger(__name__)


# How long a thread may hold the interpreter before handing over (Python's default is 5 ms). A request thread that
# holds SQLite's write lock gives up the interpreter at every query; with the default it then waits behind the other
# threads for up to 5 ms each time, and every writer queued behind it waits too. A shorter slice keeps a transaction
# short in wall-clock time under load.
SWITCH_INTERVAL_SECONDS = 0.0005


def http_server(touchpoint: Touchpoint, host: str, port: int, threads: int, **waitress_options):
    """A waitress server, not yet running: call .run() (blocks) and .close() to stop."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return create_server(touchpoint.wsgi(), host=host, port=port, threads=threads, ident="touchpoint", **waitress_options)


def serve(touchpoint: Touchpoint) -> None:
    settings = touchpoint.deps.settings
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("connecting to Slack in Socket Mode")
        SocketModeHandler(touchpoint.bolt, settings.slack_app_token.get_secret_value()).start()
        return
    server = http_server(touchpoint, "0.0.0.0", settings.port, settings.web_threads)
    logger.info("listening on port %s: POST /slack/events, GET /healthz", settings.port)
    try:
        server.run()
    finally:
        touchpoint.close()


class ServerThread:
    """The app's HTTP server on a thread of this process (demo, tests, benchmarks): start(), url, stop()."""

    def __init__(self, touchpoint: Touchpoint, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        # A short loop timeout makes stop() prompt; production's serve() keeps waitress's default.
        self._server = http_server(touchpoint, host, port, threads, asyncore_loop_timeout=0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="touchpoint-http", daemon=True)
        self.url = f"http://{host}:{self._server.effective_port}"

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping.is_set():  # closing the socket under select() is how waitress stops from outside
                raise

    def start(self) -> "ServerThread":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.close()
        self._thread.join(timeout=5)
