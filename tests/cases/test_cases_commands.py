"""The staff commands through the ``gradbot`` entry point."""

from __future__ import annotations

import re

from gradbot.cli import main

CSV = """学号,姓名,学历层次,学院,事项,状态,备注,更新时间
2191000001,张三,本科,电信学部,签约派遣,学院已审核,,2026-05-10
2191000002,李四,大专,能动学院,签约派遣,待提交,,2026-05-10
2206l100036,王五,硕士,能动学院,签约派遣,待提交,,2026-05-10
"""


def test_import_preview_strict_apply_show_and_bind_code(cases_db, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_bytes(CSV.encode("gbk"))
    assert main(["db", "upgrade"]) == 0
    assert main(["cases", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "新增 2 行" in out and "预览" in out
    assert "第 3 行 2191000002：学历层次“大专”无效" in out and "按“层次未知”导入" in out  # imported, with a warning
    assert "第 4 行 2206l100036：学号“2206l100036”不符合学号格式" in out and "第 5 位是字母“l”" in out
    assert main(["cases", "import", str(path), "--apply", "--strict"]) == 1
    assert "--strict" in capsys.readouterr().out
    assert main(["cases", "import", str(path), "--apply"]) == 0
    assert "已写入：新增事项 2" in capsys.readouterr().out
    assert main(["cases", "show", "2191000001"]) == 0
    out = capsys.readouterr().out
    assert "签约派遣：学院已审核" in out and "新建：学院已审核" in out and "变更历史（北京时间）" in out
    assert "UTC" not in out
    assert main(["bind-code", "2191000001"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"绑定码：[A-Z0-9]{4}-[A-Z0-9]{4}", out) and "https://t.me/" in out
    assert main(["bind-code", "2206l100036"]) == 1  # rejected row: no such student
