"""Edge lists never become a silently different graph: ids mode and header rules.

The rules under test are the documented ones (imx.io.edgelist.IDS_RULES and
HEADER_RULES, shown by ``imx info --help``).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from imx.cli.main import main
from imx.errors import InputError, ParameterError
from imx.io import load_graph
from imx.io.edgelist import DETECT_LINES, read_edgelist


def _file(tmp_path, text, name="g.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _int_lines(count):
    return [f"{i} {i + 1}" for i in range(count)]


@pytest.mark.parametrize("token", ["x", "4O", "-", "3.0"])
def test_stray_token_after_the_detection_window_is_an_error(tmp_path, token):
    lines = _int_lines(DETECT_LINES + 500)
    lines[DETECT_LINES + 200] = f"3 {token}"
    path = _file(tmp_path, "# comment lines do not count\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_edgelist(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{DETECT_LINES + 202}: column 2: node id {token!r} is not "
                              "an integer")
    assert "--ids str" in message and "\n" not in message
    # the same file with --ids str: string ids, one node more
    data = read_edgelist(path, ids="str")
    assert data.labels.dtype.kind == "U" and token in data.labels.tolist()


def test_stray_token_inside_the_window_means_string_ids(tmp_path):
    lines = _int_lines(50)
    lines[40] = "3 x"
    data = read_edgelist(_file(tmp_path, "\n".join(lines)))
    assert data.labels.dtype.kind == "U" and "x" in data.labels.tolist()


def test_ids_int_refuses_any_string(tmp_path):
    path = _file(tmp_path, "1 2\n2 x\n")
    with pytest.raises(InputError, match=r"g.txt:2: column 2: node id 'x' is not an integer "
                                         r"\(integer ids were asked for\); pass --ids str"):
        read_edgelist(path, ids="int")
    # a column-name header above integer rows is still a header
    data = read_edgelist(_file(tmp_path, "source target\n1 2\n", "h.txt"), ids="int")
    assert data.labels.tolist() == [1, 2] and data.skipped[0] == 1


def test_ids_str_keeps_leading_zeros_apart(tmp_path):
    data = read_edgelist(_file(tmp_path, "007 7\n7 8\n"), ids="str")
    assert data.labels.tolist() == ["007", "7", "8"]
    assert read_edgelist(_file(tmp_path, "007 7\n7 8\n")).labels.tolist() == [7, 8]


def test_bad_ids_value_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="ids must be 'auto', 'int' or 'str'"):
        read_edgelist(_file(tmp_path, "1 2\n"), ids="integer")


# ------------------------------------------------------------------- headers
HEADER_CASES = [
    # (file, skipped line text or None, edges as labels)
    ("from,to\nu1,u2\nu2,u3\n", "from,to", [("u1", "u2"), ("u2", "u3")]),
    ("source,target,weight\na,b,0.5\nb,c,1\n", "source,target,weight",
     [("a", "b"), ("b", "c")]),
    ("source,target\n1,2\n2,3\n", "source,target", [(1, 2), (2, 3)]),
    ("5 3\nalice bob\nbob carol\ncarol dave\n", "5 3",
     [("alice", "bob"), ("bob", "carol"), ("carol", "dave")]),
    ("4 2\nalice bob\nbob carol\n", "4 2", [("alice", "bob"), ("bob", "carol")]),
    ("6 2\n0 1 0.5\n1 2 0.25\n", "6 2", [(0, 1), (1, 2)]),
    ("5 2\n0 1\n1 2\n", "5 2", [(0, 1), (1, 2)]),
    ("from to\na b 0.5\n", "from to", [("a", "b")]),
    # not headers
    ("a b\nc d\n", None, [("a", "b"), ("c", "d")]),          # whitespace: an edge
    ("a,b\nb,c\n", None, [("a", "b"), ("b", "c")]),          # 'b' is a node elsewhere
    ("10 2\n2 alice\n", None, [("10", "2"), ("2", "alice")]),  # '2' is a node elsewhere
    ("2 2\n0 1\n1 2\n", None, [(2, 2), (0, 1), (1, 2)]),     # id 2 is not below n = 2
    ("a,b,0.5\nc,d,0.5\n", None, [("a", "b"), ("c", "d")]),  # third field is a number
    ("5 0\n", None, [(5, 0)]),                                # a lone line is an edge
]


@pytest.mark.parametrize("text, skipped, edges", HEADER_CASES)
def test_header_rules(tmp_path, text, skipped, edges):
    data = read_edgelist(_file(tmp_path, text))
    got = [(data.labels[s].item(), data.labels[d].item()) for s, d in zip(data.src, data.dst)]
    assert got == edges
    if skipped is None:
        assert data.skipped is None
    else:
        line, line_text, reason = data.skipped
        assert (line, line_text) == (1, skipped) and reason


def test_n_m_header_with_wrong_m_is_refused(tmp_path):
    path = _file(tmp_path, "# NetHEPT-like\n9 5\n0 1\n1 2\n2 3\n")
    with pytest.raises(InputError) as info:
        read_edgelist(path)
    assert str(info.value).startswith(f"{path}:2: the first line '9 5' reads as an 'n m' header")
    assert "m=5 while the file has 3 edge lines" in str(info.value)


def test_first_line_with_invalid_utf8_in_string_mode(tmp_path):
    # found by the property test: the held-back first line skipped the UTF-8 check
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_edgelist(_file(tmp_path, b"\x01\t\x80\n"))


def test_load_graph_passes_ids(tmp_path):
    path = _file(tmp_path, "007 7\n7 8\n")
    assert load_graph(path, ids="str").n == 3
    assert load_graph(path).n == 2


# ----------------------------------------------------------------------- CLI
def _run(capsys, args):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_info_reports_the_skipped_header(tmp_path, capsys):
    path = str(_file(tmp_path, "from,to\nu1,u2\nu2,u3\n", "h.csv"))
    code, out, _ = _run(capsys, ["info", path])
    assert code in (0, None)
    assert "header       line 1 skipped, 'from,to': a header" in out
    code, out, _ = _run(capsys, ["info", "--json", path])
    d = json.loads(out)
    assert d["nodes"] == 3 and d["skipped_header"]["line"] == 1
    assert d["skipped_header"]["text"] == "from,to"
    code, out, _ = _run(capsys, ["info", "--json", str(_file(tmp_path, "1 2\n", "p.txt"))])
    assert json.loads(out)["skipped_header"] is None


def test_info_ids_option_and_error(tmp_path, capsys):
    path = str(_file(tmp_path, "007 7\n7 x\n"))
    code, _, err = _run(capsys, ["info", "--ids", "int", path])
    assert code == 2 and err.startswith(f"imx: error: {path}:2: column 2: node id 'x'")
    assert len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, ["info", "--json", "--ids", "str", path])
    assert json.loads(out)["nodes"] == 3


def test_info_help_documents_the_rules(capsys):
    code, out, _ = _run(capsys, ["info", "--help"])
    assert code in (0, None)
    assert f"first {DETECT_LINES} data lines" in out and "--ids str" in out
    for rule in ("1. integer ids", "2. string ids", "3. it has two fields", "4. integer ids"):
        assert rule in out


def test_other_commands_accept_ids(tmp_path, capsys):
    path = str(_file(tmp_path, "a b\nb c\n"))
    code, _, err = _run(capsys, ["convert", "--ids", "int", path, str(tmp_path / "o.imxg")])
    # line 1 is a column-name header (rule 1), so line 2 is the first refused
    assert code == 2 and "g.txt:2: column 1: node id 'b' is not an integer" in err
    np.testing.assert_equal((tmp_path / "o.imxg").exists(), False)


def test_read_edgelist_reports_bytes_read(tmp_path):
    from imx.io.edgelist import read_edgelist

    path = tmp_path / "g.txt"
    path.write_text("".join(f"{i} {i + 1}\n" for i in range(1000)))
    calls = []
    read_edgelist(path, progress=lambda done, total, label: calls.append((done, total, label)))
    assert calls and calls[-1] == (path.stat().st_size, path.stat().st_size, "reading")
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
