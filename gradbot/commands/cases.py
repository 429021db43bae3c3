"""Staff commands for the case-status database.

``gradbot db upgrade`` (apply migrations), ``gradbot db current``,
``gradbot cases import FILE [--apply] [--strict]``, ``gradbot cases show STUDENT_ID``
and ``gradbot bind-code STUDENT_ID``. Every command migrates the database first.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="办理进度数据库的结构（upgrade 升级、current 当前版本）")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_sub.add_parser("upgrade", help="执行全部数据库迁移（可重复执行，不会删除数据）").set_defaults(func=run_upgrade)
    db_sub.add_parser("current", help="显示数据库结构版本").set_defaults(func=run_current)

    cases = sub.add_parser("cases", help="导入和查询学生的办理进度")
    cases_sub = cases.add_subparsers(dest="cases_command", metavar="CASES_COMMAND", required=True)
    imp = cases_sub.add_parser("import", help="导入 CSV/XLSX 表格（不加 --apply 只预览）")
    imp.add_argument("file", type=Path, help="CSV（UTF-8 或 GBK）或 XLSX，含 学号、事项、状态 … 列")
    imp.add_argument("--apply", action="store_true", help="写入有效的行（一次事务）")
    imp.add_argument("--strict", action="store_true", help="有任何一行被拒绝就整个文件都不导入")
    imp.add_argument("--limit", type=int, default=50, help="每部分最多列出的行数（默认 50）")
    imp.set_defaults(func=run_import)
    show = cases_sub.add_parser("show", help="显示一位学生的办理事项和变更历史")
    show.add_argument("student_id", help="学号")
    show.set_defaults(func=run_show)

    code = sub.add_parser("bind-code", help="为学生生成一次性绑定码和 Telegram 链接")
    code.add_argument("student_id", help="学号")
    code.set_defaults(func=run_bind_code)


def run_upgrade(args: argparse.Namespace) -> int:
    from gradbot.db.engine import current_revision, database_url, upgrade
    from gradbot.logsetup import redact

    upgrade()
    print(f"数据库结构版本：{current_revision()}（{redact(_safe_url(database_url()))}）")
    return 0


def run_current(args: argparse.Namespace) -> int:
    from gradbot.db.engine import current_revision, head_revision

    current, head = current_revision(), head_revision()
    print(f"当前版本：{current or '（空）'}；最新版本：{head}")
    return 0 if current == head else 1


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_import(args: argparse.Namespace) -> int:
    """Preview or apply an import; file-level problems are printed in Chinese, never as log lines."""
    from gradbot.cases.catalog import CatalogError
    from gradbot.cases.import_report import format_report
    from gradbot.cases.importer import import_file
    from gradbot.cases.spreadsheet import ImportFileError
    from gradbot.db.engine import sessions, upgrade
    from gradbot.logsetup import staff_output

    with staff_output():
        upgrade()
        held = _case_types_held_back()
        try:
            with sessions().begin() as session:
                report = import_file(
                    session, args.file, apply=args.apply, strict=args.strict,
                    changed_by=f"import:{args.file.name} ({getpass.getuser()})", progress=None,
                )
        except ImportFileError as exc:
            print(f"无法导入：{exc}", file=sys.stderr)
            return 2
        except CatalogError as exc:
            print(f"无法导入：办理事项文件 _case_types.yml 有错误，请先改正（.venv/bin/gradbot kb check 会列出文件和行号）。\n  {exc}",
                  file=sys.stderr)
            return 2
    for line in held:
        print(line)
    print(format_report(report, limit=args.limit))
    return 1 if report.refused else 0


def _case_types_held_back() -> list[str]:
    """A notice when an edit of ``_case_types.yml`` is held back (the import then uses its last good version)."""
    from gradbot.knowledge.case_types import CASE_TYPES_FILE
    from gradbot.knowledge.store import default_store

    lines = []
    for held in default_store().snapshot().held_back:
        if held.file.endswith(CASE_TYPES_FILE):
            lines += held.describe()
            if held.has_last_good:
                lines.append("  本次导入使用该文件上一个正确的版本。")
    return lines


def run_show(args: argparse.Namespace) -> int:
    """A student's cases and history (Beijing time), without log lines in between."""
    from gradbot.logsetup import staff_output

    with staff_output():
        return _show(args)


def _show(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from gradbot.cases.catalog import LEVEL_NAMES, load_catalog
    from gradbot.cases.status import history_for, status_message
    from gradbot.db.engine import sessions, upgrade
    from gradbot.db.models import Student, TelegramBinding
    from gradbot.reporting.data import to_beijing

    upgrade()
    with sessions().begin() as session:
        student = session.get(Student, args.student_id.strip())
        if student is None:
            print(f"没有学号为 {args.student_id} 的学生", file=sys.stderr)
            return 1
        bindings = session.execute(select(func.count()).select_from(TelegramBinding).where(
            TelegramBinding.student_id == student.student_id, TelegramBinding.unbound_at.is_(None))).scalar_one()
        print(f"{student.student_id} {student.name} {LEVEL_NAMES.get(student.level or '', '层次未知')} "
              f"{student.college or ''}；Telegram 绑定 {bindings} 个")
        print(status_message(session, student.student_id))
        history = history_for(session, student.student_id)
        catalog = load_catalog()
        print("\n变更历史（北京时间）：" if history else "\n（无变更历史）")
        for item in history:
            case_type = catalog.get(item.case_type)
            change = f"{item.old_status} → {item.new_status}" if item.old_status else f"新建：{item.new_status}"
            print(f"  {to_beijing(item.changed_at):%Y-%m-%d %H:%M}  {case_type.name if case_type else item.case_type}  {change}"
                  f"  （表格时间 {item.source_updated_at:%Y-%m-%d %H:%M}，{item.changed_by}）"
                  + (f"  备注：{item.note}" if item.note else ""))
    return 0


def run_bind_code(args: argparse.Namespace) -> int:
    from gradbot.cases.binding import UnknownStudent, issue_code
    from gradbot.db.engine import sessions, upgrade
    from gradbot.settings import get_settings

    upgrade()
    try:
        with sessions().begin() as session:
            code, link = issue_code(session, args.student_id)
    except UnknownStudent:
        print(f"没有学号为 {args.student_id} 的学生：请先导入该学生的办理记录", file=sys.stderr)
        return 1
    hours = get_settings().bind_code_ttl_hours
    print(f"绑定码：{code}（{hours} 小时内有效，只能使用一次）")
    print(f"Telegram 链接：{link}")
    print("请把绑定码或链接交给学生本人；系统只保存绑定码的哈希，无法再次查看。")
    return 0
