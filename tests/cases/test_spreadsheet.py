"""Reading spreadsheets: encodings and the required columns."""

from __future__ import annotations

import pytest

from gradbot.cases.spreadsheet import ImportFileError, decode_csv_bytes, read_table


def test_missing_required_column_is_a_file_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("学号,姓名,状态\n2191000001,张三,待提交\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="事项"):
        read_table(path)


def test_decode_csv_bytes_detects_encodings():
    text = "学号,姓名\n1,张三\n"
    assert decode_csv_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_csv_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_csv_bytes(text.encode("gbk")) == (text, "gb18030")
