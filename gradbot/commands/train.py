"""``gradbot train``: train the NLU model from nlu_data/ and the knowledge base's questions."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train the NLU model (skipped when up to date)")
    parser.add_argument("--force", action="store_true", help="train even if a model for these inputs exists")
    parser.add_argument("--reload", action="store_true", help="then load the new model into the running Rasa servers (RASA_URLS, or RASA_URL)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gradbot.settings import get_settings
    from gradbot.training import train

    settings = get_settings()
    model = train(settings, force=args.force)
    print(f"model: {model}")
    if args.reload:
        from gradbot.service_tokens import TokenMissing, rasa_api_token
        from gradbot.stack import reload_model

        try:
            token = rasa_api_token(settings)
        except TokenMissing as exc:
            print(f"not reloaded: {exc}")
            return 1
        for url in settings.rasa_urls:  # every Rasa server (RASA_URLS / RASA_SERVERS), one after the other
            reload_model(url, model, token)
            print(f"loaded into {url}")
    return 0
