"""CIM files (imx.io.cim_files): AP lists in every accepted form, nested AP files, the
assignment TSV, and one-line errors naming file and line."""
from __future__ import annotations

import numpy as np
import pytest

from imx.errors import InputError, ParameterError
from imx.io.cim_files import load_aps, read_ap_tokens, read_assignment, write_assignment


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("text", ["10\n30\n", "10, 30\n", "10 30", "# APs\n[10,30]\n",
                                  "10;30\n\n"])
def test_ap_file_forms(tmp_path, labelled_graph, text):
    path = tmp_path / "aps.txt"
    path.write_text(text)
    assert load_aps(path, labelled_graph).tolist() == [0, 2]


def test_nested_ap_file(tmp_path, labelled_graph):
    path = tmp_path / "x.ap"
    path.write_text("10\n10,20\n10,20,30\n")
    assert load_aps(path, labelled_graph, ap_line=2).tolist() == [0, 1]
    assert [t for t, _ in read_ap_tokens(path, ap_line=3)] == ["10", "20", "30"]
    with pytest.raises(ParameterError, match="--ap-line"):
        load_aps(path, labelled_graph)
    with pytest.raises(ParameterError, match="past the end"):
        load_aps(path, labelled_graph, ap_line=4)
    # a one-line .ap file needs no ap_line; comma lists on several lines are nested too
    (tmp_path / "one.ap").write_text("20,30\n")
    assert load_aps(tmp_path / "one.ap", labelled_graph).tolist() == [1, 2]
    (tmp_path / "two.txt").write_text("20,30\n10,20\n")
    with pytest.raises(ParameterError, match="2 AP lists"):
        load_aps(tmp_path / "two.txt", labelled_graph)


def test_bad_ap_files_name_file_and_line(tmp_path, labelled_graph):
    path = tmp_path / "aps.txt"
    path.write_text("10\n\n20\n99\n")
    with pytest.raises(InputError) as err:
        load_aps(path, labelled_graph)
    assert str(err.value).startswith(f"{path}:4:") and "99" in str(err.value)
    path.write_text("10, 20\n30, 10\n")
    with pytest.raises(ParameterError):  # two comma lists: nested, ambiguous
        load_aps(path, labelled_graph)
    path.write_text("10 20\n30 10\n")
    with pytest.raises(InputError, match=r":2: AP '10' is listed twice \(first on line 1\)"):
        load_aps(path, labelled_graph)
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="no AP labels"):
        load_aps(path, labelled_graph)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="text"):
        load_aps(path, labelled_graph)


def test_assignment_round_trip_and_errors(tmp_path, labelled_graph):
    path = tmp_path / "a.tsv"
    write_assignment(path, [(10, 20), (10, 40), (30, 40)])
    assert path.read_text().splitlines()[0] == "ap\tseed"
    aps = np.array([0, 2])
    pos, seeds = read_assignment(path, labelled_graph, aps)
    assert pos.tolist() == [0, 0, 1] and seeds.tolist() == [1, 3, 3]
    cases = [("ap seed\n", None), ("ap\tseed\n10\t77\n", ":2:"), ("ap\tseed\n20\t30\n", ":2:"),
             ("ap\tseed\n10\t30\n", "is an AP"), ("ap\tseed\n10\t20\t1\n", "2 tab-separated"),
             ("seed\tap\n", ":1:")]
    for text, where in cases:
        path.write_text(text)
        if where is None:
            pos, seeds = read_assignment(path, labelled_graph, aps)
            assert pos.size == 0
            continue
        with pytest.raises(InputError) as err:
            read_assignment(path, labelled_graph, aps)
        assert where in str(err.value)
