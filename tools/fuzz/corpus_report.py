"""Count the project's own bad-input corpus, by command and by loader, and how much is clean.

Run from the repository root::

    python tools/fuzz/corpus_report.py [--json]

CLI corpus: every row of ``tests/cli/test_bad_input.py`` (``CASES``) is run
through the real entry point; a row is *clean* when it exits with its code (2
unless the row says otherwise) and exactly one ``imx: error: ...`` line
holding the expected text, no traceback.

Loader corpus: the bad-input cases of the loader tests (damaged .imxg and
HeteroIndex files, edge-list ids/header cases, fuzz-found inputs replayed) and
the property tests, run with pytest; a case is clean when its test passes.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

# loader tests: test-function prefix -> loader it feeds bad input to
LOADER_TESTS = {
    "io/test_binary.py::test_damaged_imxg": ".imxg",
    "io/test_binary.py::test_duplicate_labels": ".imxg",
    "io/test_binary.py::test_imxg_fuzz_findings": ".imxg",
    "io/test_binary.py::test_damaged_index": "HeteroIndex",
    "io/test_binary.py::test_hetero_fuzz_findings": "HeteroIndex",
    "io/test_binary.py::test_load_graph_missing": "load_graph",
    "io/test_edgelist.py::test_stray": "edge list",
    "io/test_edgelist.py::test_ids_int": "edge list",
    "io/test_edgelist.py::test_bad_ids": "edge list",
    "io/test_edgelist.py::test_header_rules": "edge list",
    "io/test_edgelist.py::test_n_m_header": "edge list",
    "io/test_edgelist.py::test_first_line_with_invalid": "edge list",
    "io/test_edgelist.py::test_info_ids": "edge list",
    "io/test_fuzz_loaders.py::test_edge_list": "edge list (property)",
    "io/test_fuzz_loaders.py::test_imxg": ".imxg (property)",
    "io/test_fuzz_loaders.py::test_index": "HeteroIndex (property)",
    "io/test_fuzz_loaders.py::test_binary": ".imxg + HeteroIndex (property)",
    "io/test_fuzz_loaders.py::test_every_single_bit": ".imxg (exhaustive bit flips)",
    "io/test_fuzz_loaders.py::test_ap_reader": "AP reader (property)",
    "io/test_fuzz_loaders.py::test_seed_reader": "seed reader (property)",
    "io/test_fuzz_loaders.py::test_assignment_reader": "assignment reader (property)",
    "io/test_fuzz_loaders.py::test_values_reader": "values reader (property)",
    "io/test_fuzz_loaders.py::test_hetero_text_readers": "hetero text readers (property)",
}


def _command(t, args: list[str]) -> str:
    names = {" ".join(p) for p in t.COMMAND_PATHS} | {"bench"}
    words = [a for a in args if not a.startswith("-")]
    return next((n for n in (" ".join(words[:2]), words[0] if words else "") if n in names),
                "imx")


def cli_corpus() -> dict:
    from tests.cli import test_bad_input as t

    from imx.cli.main import main

    by_command: dict = collections.defaultdict(lambda: [0, 0])
    unclean = []
    for row in t.CASES:
        files, args, expected, want_code = t._case(row)
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            for name, content in files.items():
                (tmp_path / name).write_bytes(content if isinstance(content, bytes)
                                              else content.encode())
            if any("bad.imxg" in a for a in args):
                t._truncated_imxg(tmp_path / "bad.imxg")
            argv = [a.replace("{t}", tmp).replace("{K}", t.KARATE) for a in args]
            err = io.StringIO()
            code = None
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                try:
                    main(argv)
                except SystemExit as exc:
                    code = exc.code
                except BaseException as exc:  # a crash is exactly what this counts
                    err.write(f"Traceback: {exc!r}")
            lines = [line for line in err.getvalue().splitlines() if line.strip()]
            clean = (code == want_code and len(lines) == 1
                     and lines[0].startswith("imx: error:") and expected in lines[0])
        entry = by_command[_command(t, args)]
        entry[0] += 1
        entry[1] += clean
        if not clean:
            unclean.append(row[0])
    return {"by_command": dict(by_command), "not_clean": unclean}


def loader_corpus() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = os.path.join(tmp, "r.xml")
        files = sorted({key.split("::")[0] for key in LOADER_TESTS})
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={xml_path}", *(f"tests/{f}" for f in files)],
                       cwd=REPO, stdout=subprocess.DEVNULL, check=False)
        root = ET.parse(xml_path).getroot()
    by_loader: dict = collections.defaultdict(lambda: [0, 0])
    for case in root.iter("testcase"):
        # classname is the dotted module, tests.io.test_binary: key it by its path under tests/
        module = case.get("classname").removeprefix("tests.").replace(".", "/")
        key = f"{module}.py::{case.get('name')}"
        loader = next((v for k, v in LOADER_TESTS.items() if key.startswith(k)), None)
        if loader is None or case.find("skipped") is not None:
            continue
        failed = case.find("failure") is not None or case.find("error") is not None
        by_loader[loader][0] += 1
        by_loader[loader][1] += not failed
    return {"by_loader": dict(by_loader)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"cli": cli_corpus(), "loaders": loader_corpus()}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    rows = [("CLI: " + k, *v) for k, v in sorted(report["cli"]["by_command"].items())]
    rows += [("loader: " + k, *v) for k, v in sorted(report["loaders"]["by_loader"].items())]
    print("| corpus | cases | clean |\n|---|---:|---:|")
    for name, total, clean in rows:
        print(f"| {name} | {total} | {clean} |")
    total = sum(r[1] for r in rows)
    print(f"| **all** | **{total}** | **{sum(r[2] for r in rows)}** |")
    print("\n(a property row is one test of 30-60 generated inputs by default, 3000 with -m slow)")
    if report["cli"]["not_clean"]:
        print("\nCLI cases not clean yet: " + ", ".join(report["cli"]["not_clean"]))


if __name__ == "__main__":
    main()
