"""The action server's entry point: rasa_sdk's app, on loopback, refusing calls without the secret.

    python -m gradbot.action_server --actions actions --port 5055 [--host 127.0.0.1]

``python -m rasa_sdk`` listens on every interface (unless ``SANIC_HOST`` says otherwise) and
runs any action for anyone: a POST with ``"next_action": "action_case_status"`` and a forged
``sender_id`` would read a student's cases. This entry point keeps rasa_sdk's app and actions
as they are and adds one request middleware: every route but ``/health`` needs the shared
secret (:func:`gradbot.service_tokens.action_server_token`) in the
:data:`~gradbot.service_tokens.ACTION_TOKEN_HEADER` header, which Rasa sends from the endpoints
file the stack writes. It binds to ``ACTION_SERVER_LISTEN`` (default ``127.0.0.1``).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from gradbot.service_tokens import ACTION_TOKEN_HEADER

log = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})  # readiness only: no data


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa_sdk's action server app that answers only requests carrying ``token``."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    if not token:
        raise ValueError("the action server needs a non-empty token")
    expected = token.encode()
    app = create_sdk_app(actions_package, cors_origins="")  # called server to server: no browser origins

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_TOKEN_HEADER, "").encode()
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": f"missing or wrong {ACTION_TOKEN_HEADER} header"}, status=401)

    return app


def load_knowledge_base() -> None:
    """Build the knowledge base, its matcher (with jieba) and classifier before the server answers /health.

    Done lazily, the first student's question after a start waited for it (about 7 s on the
    2-core machine), longer than the Telegram front end waits for Rasa (``RASA_TIMEOUT_SECONDS``).
    """
    from gradbot.knowledge.store import default_store

    default_store().snapshot()


def main(argv: list[str] | None = None) -> int:
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_argument_parser
    from rasa_sdk.plugin import plugin_manager

    from gradbot.service_tokens import action_server_token
    from gradbot.settings import get_settings

    settings = get_settings()
    parser: argparse.ArgumentParser = create_argument_parser()
    parser.add_argument("--host", default=settings.action_server_listen, help="interface to listen on (ACTION_SERVER_LISTEN)")
    args = parser.parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    app = create_app(action_server_token(settings, create=True), args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    load_knowledge_base()
    log.info("action server on http://%s:%s (token required)", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
