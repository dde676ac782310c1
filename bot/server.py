"""Running the app: HTTP on waitress (a production WSGI server), or Socket Mode when an app token is set."""

from __future__ import annotations

import logging

from waitress.server import create_server

from bot.app import Touchpoint

logger = logging.getLogger(__name__)


def http_server(touchpoint: Touchpoint, host: str, port: int, threads: int):
    """A waitress server, not yet running: call .run() (blocks) and .close() to stop."""
    return create_server(touchpoint.wsgi(), host=host, port=port, threads=threads, ident="touchpoint")


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
