"""Tables laid out in a width: ids whole, other columns cut or folded, no padding at the ends of lines."""

from __future__ import annotations

from cloudgate.cli.tables import ELLIPSIS, fit, fold, pairs_lines, table_lines, terminal_width

ID = "vol-f12d0255eb43a7438f84"
HEADER = ["ID", "NAME", "ATTACHED TO", "DATACENTER"]
ROWS = [[ID, "database-volume-for-production", "web-1", "sim-east-a"], [ID.replace("f", "e"), "db", "", "b"]]


def test_what_fits_is_shown_whole_and_lines_end_without_padding():
    lines = table_lines(HEADER, ROWS, None).lines
    assert lines[1].split() == ROWS[0]
    assert lines[2].endswith("b") and not any(line.endswith(" ") for line in lines)


def test_a_narrow_width_cuts_other_columns_never_an_id():
    for width in (54, 60, 70):
        lines = table_lines(HEADER, ROWS, width).lines
        assert all(len(line) <= width for line in lines), (width, lines)
        assert lines[1].startswith(ID + " ") and lines[2].startswith(ROWS[1][0] + " ")
        assert ELLIPSIS in lines[1]
        assert not any(line.endswith(" ") for line in lines)


def test_when_even_cut_columns_do_not_fit_the_last_ones_are_left_out():
    laid = table_lines(HEADER, ROWS, 40, may_leave_out=True)
    assert laid.left_out == ["ATTACHED TO", "DATACENTER"]
    assert laid.lines[1].startswith(ID) and all(len(line) <= 40 for line in laid.lines)
    kept = table_lines(HEADER, ROWS, 40).lines  # columns asked for are all kept: the lines get longer
    assert "ATTACHE" in kept[0] and "DATACEN" in kept[0] and kept[1].startswith(ID)


def test_fit_cuts_the_widest_first_and_completes_the_cheapest():
    assert fit([10, 30, 5], [10, 8, 5], 45) == [10, 30, 5]
    assert fit([10, 30, 5], [10, 8, 5], 30) == [10, 15, 5]
    assert fit([22, 9, 12, 10], [22, 8, 8, 8], 22 + 28) == [22, 9, 9, 10]


def test_fold_breaks_at_spaces_and_keeps_ids_whole():
    assert fold("one two three", 8) == ["one two", "three"]
    assert fold(f"attached to {ID}", 10) == ["attached", "to", ID]
    assert fold("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]
    assert fold("short", None) == ["short"]


def test_key_value_lines_fold_values_under_their_key():
    lines = pairs_lines([("id", ID), ("description", "a b c d e f")], 20)
    assert lines[0] == ("id         ", ID)
    assert [value for _key, value in lines[1:]] == ["a b c d", "e f"]
    assert lines[2][0].strip() == ""


def test_the_width_is_columns_else_the_terminal_else_none(monkeypatch):
    assert terminal_width({"COLUMNS": "72"}) == 72
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert terminal_width({}) is None
