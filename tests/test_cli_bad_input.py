"""Bad input on every command: one error line naming the file (and line), exit code 2.

Each row writes a few files into a temporary folder, runs the real entry point
``imx.cli.main.main`` and checks: exit code 2, no traceback, a single
``imx: error:`` line (or click's ``Usage``/``Error:`` pair for a bad flag)
that contains the expected text, and no output file left behind.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from imx.cli.main import main

REPO = Path(__file__).resolve().parent.parent
KARATE = str(REPO / "graphs" / "karate.txt")
U = "--undirected"
VALUES = "node,a\n" + "".join(f"{i},0.5\n" for i in range(34))
EGOS = "ego,node,time,a\n0,0,0,0.5\n0,1,0,0.2\n0,0,1,0.4\n"
RANKED = "inviter\tinvitee\tscore\trank\n"
_GZ = gzip.compress(("\n".join(f"{i} {i + 1}" for i in range(3000)) + "\n").encode())

# (id, files {name: content}, args ({t} = the temporary folder, {K} = karate), expected text)
CASES = [
    # graphs: edge lists and .imxg files
    ("truncated-gz", {"g.txt.gz": _GZ[:len(_GZ) // 2]}, ["info", "{t}/g.txt.gz"],
     "g.txt.gz:"),
    ("truncated-imxg", {}, ["info", "{t}/bad.imxg"], "bad.imxg: a truncated or damaged .imxg"),
    ("binary-edgelist", {"j.bin": bytes(range(256))}, ["info", "{t}/j.bin"], "j.bin:1: binary"),
    ("convert-no-folder", {}, ["convert", "{K}", "{t}/nodir/o.imxg"], "nodir' does not exist"),
    ("generate-no-folder", {}, ["generate", "er", "-n", "9", "-m", "5", "-o", "{t}/nd/g.txt"],
     "nd' does not exist"),
    # seeds and im
    ("seeds-binary", {"s.txt": b"0\n\xff\xfe\n"}, ["spread", "{K}", U, "--seeds", "{t}/s.txt"],
     "s.txt:2: not a UTF-8 text file"),
    ("seeds-none", {"s.txt": "# nothing\n"}, ["spread", "{K}", U, "--seeds", "{t}/s.txt"],
     "s.txt: no seeds in the file"),
    ("im-out-no-folder", {}, ["im", "{K}", U, "-k", "2", "--out", "{t}/nd/s.txt"],
     "nd' does not exist"),
    ("im-out-unwritable", {}, ["im", "{K}", U, "-k", "2", "--out", "/proc/x/s.txt"],
     "/proc/x' does not exist"),
    # cim
    ("ap-empty-line", {"a.ap": "0,1\n , ;\n0,1,2\n"},
     ["cim", "{K}", U, "--aps", "{t}/a.ap", "--ap-line", "2", "-k", "1"],
     "a.ap:2: no AP labels on this line"),
    ("ap-no-labels", {"a.txt": "[]\n"}, ["cim", "{K}", U, "--aps", "{t}/a.txt", "-k", "1"],
     "a.txt: no AP labels in the file"),
    ("assignment-repeated-row", {"aps": "0 1\n", "as.tsv": "ap\tseed\n0\t5\n0\t5\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv", "--mc", "5"],
     "as.tsv:3: row '0' -> '5' repeats line 2"),
    # hetero
    ("inviters-empty", {"i.txt": ""}, ["hetero", "{K}", U, "--inviters", "{t}/i.txt"],
     "i.txt: no inviters in the file"),
    ("inviters-truncated-gz", {"i.gz": gzip.compress(b"0\n1\n" * 50)[:20]},
     ["hetero", "{K}", U, "--inviters", "{t}/i.gz"], "i.gz: corrupt or truncated"),
    ("scores-empty", {"i.txt": "0\n", "s.tsv": "# none\n"},
     ["hetero", "{K}", U, "--inviters", "{t}/i.txt", "--scores", "{t}/s.tsv"],
     "s.tsv: no data lines"),
    ("accept-nul", {"i.txt": "0\n", "a.tsv": "0 1\n1\x00 1\n"},
     ["hetero", "{K}", U, "--inviters", "{t}/i.txt", "--accept", "{t}/a.tsv"],
     "a.tsv:2: not a text file"),
    ("ranked-repeated-invitee", {"r.tsv": RANKED + "33\t8\t0.5\t1\n33\t8\t0.4\t2\n",
                                 "o.tsv": "33 8\n"},
     ["hetero-eval", "{t}/r.tsv", "--observed", "{t}/o.tsv"],
     "r.tsv:3: invitee 8 of inviter 33 repeats line 2"),
    ("ranked-repeated-rank", {"r.tsv": RANKED + "33\t8\t0.5\t1\n33\t9\t0.4\t1\n",
                              "o.tsv": "33 8\n"},
     ["hetero-eval", "{t}/r.tsv", "--observed", "{t}/o.tsv"], "r.tsv:3: rank 1 of inviter 33"),
    ("ranked-header-only", {"r.tsv": RANKED, "o.tsv": "33 8\n"},
     ["hetero-eval", "{t}/r.tsv", "--observed", "{t}/o.tsv"], "r.tsv: no data lines"),
    ("observed-empty", {"r.tsv": RANKED + "33\t8\t0.5\t1\n", "o.tsv": ""},
     ["hetero-eval", "{t}/r.tsv", "--observed", "{t}/o.tsv"], "o.tsv: no data lines"),
    ("generate-hetero-fractional-count", {},
     ["generate", "hetero", "{K}", U, "-o", "{t}/h", "--inviters", "1.5"],
     "neither a fraction below 1 nor a whole count"),
    # bcm
    ("values-latin1", {"v.csv": b"node,a\n0,0.5\n\xe9,0.5\n"},
     ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv"], "v.csv:3: not a UTF-8 text file"),
    ("stubborn-empty", {"v.csv": VALUES, "s.txt": ""},
     ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv", "--stubborn", "{t}/s.txt"],
     "s.txt: no stubborn nodes in the file"),
    ("stubborn-repeated", {"v.csv": VALUES, "s.txt": "3\n3\n"},
     ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv", "--stubborn", "{t}/s.txt"],
     "s.txt:2: stubborn node '3' is listed twice"),
    ("trajectory-no-folder", {"v.csv": VALUES},
     ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv", "--out", "{t}/o.csv",
      "--trajectory", "{t}/nd/t.csv"], "nd' does not exist"),
    ("egos-binary", {"e.csv": b"ego,node,time,a\n\xff,0,0,0.5\n"},
     ["bcm", "fit", "--egos", "{t}/e.csv"], "e.csv:2: not a UTF-8 text file"),
    ("params-not-a-number", {"e.csv": EGOS, "p.json": '{"epsilon": "x", "mu": 0.5}'},
     ["bcm", "evaluate", "--egos", "{t}/e.csv", "--params", "{t}/p.json"],
     "p.json: epsilon must be a number"),
    ("params-bad-model", {"e.csv": EGOS, "p.json": '{"epsilon": 0.1, "mu": 0.5, "model": "z"}'},
     ["bcm", "evaluate", "--egos", "{t}/e.csv", "--params", "{t}/p.json"], "p.json: bad model"),
    ("dims-repeated", {}, ["bcm", "generate", "{K}", U, "--out", "{t}/g.csv", "--dims", "a,a"],
     "a dimension name is given twice"),
    # bench
    ("suite-without-runs", {"s.toml": 'name = "x"\n[[run]]\ntask = "im"\n'},
     ["bench", "{t}/s.toml", "--out", "{t}/r.jsonl"], "s.toml: the suite defines no runs"),
    ("suite-binary", {"s.toml": b"\xff\xfe"}, ["bench", "{t}/s.toml"], "s.toml:1: not a UTF-8"),
    ("only-matches-nothing", {}, ["bench", "smoke", "--only", "no-such-run", "--out",
                                  "{t}/r.jsonl"], "no run of suite smoke matches"),
    ("results-empty", {"res.jsonl": "\n"}, ["bench", "report", "{t}/res.jsonl", "--no-plots"],
     "res.jsonl: no run records"),
]
# files a failed run must not leave behind
OUTPUTS = ("o.csv", "o.imxg", "r.jsonl", "r.md", "g.csv", "h.scores.tsv")


@pytest.mark.parametrize("files, args, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(tmp_path, capsys, files, args, expected):
    for name, content in files.items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(tmp_path / name, mode) as fh:
            fh.write(content)
    if any("bad.imxg" in a for a in args):
        _truncated_imxg(tmp_path / "bad.imxg")
    argv = [a.replace("{t}", str(tmp_path)).replace("{K}", KARATE) for a in args]
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert info.value.code == 2, err
    assert "Traceback" not in err
    if lines[0].startswith("imx: error:"):
        assert len(lines) == 1, err
    else:  # click's usage error: "Usage: ...", "Try ...", "Error: ..."
        assert lines[-1].startswith("Error:"), err
    assert expected in err
    left = sorted(p.name for p in tmp_path.iterdir() if p.name in OUTPUTS or
                  p.name.endswith(".tmp"))
    assert not left, left


def _truncated_imxg(path: Path) -> None:
    from imx.graph.binary import save_graph
    from imx.io import load_graph

    save_graph(load_graph(KARATE, directed=False), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_damaged_imxg_offsets_are_refused(tmp_path, capsys):
    import numpy as np

    from imx._npz import load_npz_members, save_npz_aligned
    from imx.graph.binary import save_graph
    from imx.io import load_graph

    good = tmp_path / "g.imxg"
    save_graph(load_graph(KARATE, directed=False), good)
    arrays = {k: np.array(v) for k, v in load_npz_members(good, False).items()}
    arrays["out_offsets"] = arrays["out_offsets"][::-1].copy()
    save_npz_aligned(tmp_path / "bad.imxg", arrays)
    arrays["out_offsets"] = arrays["out_offsets"][::-1].copy()
    arrays["meta"] = np.frombuffer(b"{not json", dtype=np.uint8)
    save_npz_aligned(tmp_path / "meta.imxg", arrays)
    for name, expected in (("bad.imxg", "inconsistent out-arc arrays"),
                           ("meta.imxg", "damaged .imxg graph")):
        with pytest.raises(SystemExit) as info:
            main(["info", str(tmp_path / name)])
        err = capsys.readouterr().err
        assert info.value.code == 2 and err.startswith(f"imx: error: {tmp_path / name}: "), err
        assert expected in err and len(err.strip().splitlines()) == 1


def test_atomic_write_names_the_target(tmp_path):
    from imx.io.atomic import atomic_write_text

    target = tmp_path / "missing" / "out.txt"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write_text(target, "x")
    assert info.value.filename == str(target)
    assert not os.path.exists(tmp_path / "missing")
