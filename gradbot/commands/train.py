"""``gradbot train``: train the NLU model from nlu_data/ and the knowledge base's questions."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="训练 NLU 模型（内容没有变化时跳过）")
    parser.add_argument("--force", action="store_true", help="即使已有相同内容的模型也重新训练")
    parser.add_argument("--reload", action="store_true", help="训练后让正在运行的 Rasa 服务器换用新模型（RASA_URLS 或 RASA_URL）")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gradbot.settings import get_settings
    from gradbot.training import train

    settings = get_settings()
    model = train(settings, force=args.force)
    print(f"模型：{model}")
    if args.reload:
        from gradbot.service_tokens import TokenMissing, rasa_api_token
        from gradbot.stack import reload_model

        try:
            token = rasa_api_token(settings)
        except TokenMissing as exc:
            print(f"未替换正在使用的模型：{exc}")
            return 1
        for url in settings.rasa_urls:  # every Rasa server (RASA_URLS / RASA_SERVERS), one after the other
            reload_model(url, model, token)
            print(f"已换用新模型：{url}")
    return 0
