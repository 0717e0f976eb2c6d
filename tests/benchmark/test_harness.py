"""The benchmark harness: suites, the smoke suite end to end, isolation, report, peers."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from imx.benchmark import load_suite, render_markdown, run_suite, write_report
from imx.benchmark.report import load_results, summarise
from imx.benchmark.suites import list_suites
from imx.errors import InputError
from tests import ROOT

SHIPPED = {"smoke", "im", "cim", "hetero", "bcm", "scaling", "peers"}
#: the suites that replaced the standalone bench/bench_*.py scripts, and their tables
FORMER_SCRIPTS = {"im-ref": "im", "cim-ref": "cim", "hetero-serve": "hetero",
                  "bcm-ndlib": "bcm", "parse": "parse", "load-validation": "load_validation",
                  "scale": "scale", "distributed": "distributed", "startup": "startup",
                  "hist": "hist", "quality": "quality"}


def _have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# ---------------------------------------------------------------- suites


def test_shipped_suites_load_and_expand():
    assert set(list_suites()) >= SHIPPED
    for name in SHIPPED:
        suite = load_suite(name)
        assert suite.runs, name
        for run in suite.runs:
            assert run.graph in suite.graphs
    im = load_suite("im")
    assert {r.params["k"] for r in im.runs} == {1, 10, 50, 100}
    # LT is never paired with uniform probabilities (excluded in the suite)
    assert not [r for r in im.runs if r.params.get("model") == "lt"
                and r.params.get("probs") == "uniform:0.01"]
    assert {str(r.params.get("threads")) for r in load_suite("scaling").runs} == {"1", "2", "all"}


@pytest.mark.parametrize("name", sorted(FORMER_SCRIPTS))
def test_suites_of_the_former_scripts_parse_and_expand(name):
    """Each suite loads, expands to runs on its own graphs, every reference entry fits at
    least one run, and its table says how to reproduce it with this suite."""
    from imx.benchmark.suites import match_reference

    suite = load_suite(name)
    assert suite.name == name and suite.runs
    for run in suite.runs:
        assert run.graph in suite.graphs or (run.task in ("process", "peer") and not run.graph)
    for ref in suite.references:
        fitting = [r for r in suite.runs if match_reference(
            [ref], {"task": r.task, "graph": r.graph, "params": r.params}) is ref]
        assert fitting, ref
    table = (ROOT / "bench" / "tables" / f"{FORMER_SCRIPTS[name]}.md").read_text()
    assert f"imx bench {name} " in table and "former `bench/bench_" in table
    assert f"`imx bench {name} " in (ROOT / "bench" / "README.md").read_text()
    assert not list((ROOT / "bench").glob("bench_*.py"))  # one harness


def test_exclude_by_graph_and_reference_entries(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('''
[graphs.a]
dataset = "karate"
[graphs.b]
dataset = "karate"
[[runs]]
task = "im"
graphs = ["a", "b"]
k = [1, 2]
exclude = [{ graph = "a", k = 2 }]
[[reference]]
source = "elsewhere"
match = { graph = "b", k = 2 }
seconds = 0.5
''')
    suite = load_suite(str(path))
    assert sorted((r.graph, r.params["k"]) for r in suite.runs) == [("a", 1), ("b", 1), ("b", 2)]
    assert suite.reference_for({"task": "im", "graph": "b", "params": {"k": 2}})["seconds"] == 0.5
    assert suite.reference_for({"task": "im", "graph": "a", "params": {"k": 1}}) is None
    bad = tmp_path / "bad.toml"
    bad.write_text('[[reference]]\nmatch = { k = 1 }\n')
    with pytest.raises(InputError, match="no figures"):
        load_suite(str(bad))


@pytest.mark.parametrize("figure", ["{ pattern = 't (\\\\d+)', take = 'median' }",
                                    "{ take = 'first' }", "{ pattern = 't', tkae = 'first' }",
                                    "3"])
def test_suite_refuses_a_figure_it_cannot_read(tmp_path, figure):
    """A process figure is 'regex' or { pattern, take = first | median-after-first }:
    anything else is refused when the suite is read, not read silently as 'first'."""
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[runs]]\ntask = "process"\ncommand = "true"\n[runs.figures]\n'
                   f'seconds = {figure}\n')
    with pytest.raises(InputError, match="figure 'seconds' must be"):
        load_suite(str(bad))
    good = tmp_path / "good.toml"
    good.write_text('[[runs]]\ntask = "process"\ncommand = "true"\n[runs.figures]\n'
                    "a = 'x (\\\\d+)'\nb = { pattern = 'x', take = 'median-after-first' }\n")
    assert load_suite(str(good)).runs[0].params["figures"]["b"]["take"] == "median-after-first"


def test_suite_crossing_exclusion_and_repetitions(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('''
[graphs.a]
dataset = "karate"
[graphs.b]
generate = "erdos_renyi"
n = 50
m = 100
[[runs]]
task = "im"
graphs = ["a", "b"]
solver = ["opim-c", "degree"]
k = [1, 2, 3]
repetitions = 2
exclude = [{ solver = "degree", k = 3 }]
''')
    suite = load_suite(str(path))
    assert len(suite.runs) == 2 * (2 * 3 - 1) * 2
    assert {r.rep for r in suite.runs} == {0, 1}
    assert len(load_suite(str(path), repetitions=1).runs) == 10
    assert suite.evaluator == {"method": "rr", "eps": 0.01}


@pytest.mark.parametrize("text, message", [
    ('[[runs]]\ntask = "nope"\n', "task must be one of"),
    ('[[runs]]\ntask = "im"\ngraphs = ["x"]\n', "unknown or missing graphs"),
    ('[graphs.a]\ngenerate = "lattice"\nn = 3\n', "unknown generator"),
    ('[graphs.a]\nfile = "x"\ndataset = "karate"\n', "exactly one of"),
    ('[evaluator]\nmethod = "guess"\n', "[evaluator]"),
    ('name = \n', "bad TOML"),
])
def test_bad_suites_are_clear_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("[", r"\[")) as exc:
        load_suite(str(path))
    assert str(path) in str(exc.value)


def test_unknown_suite_names_the_shipped_ones():
    with pytest.raises(InputError, match="shipped suites: .*smoke"):
        load_suite("no-such-suite")


# ---------------------------------------------------------------- the smoke suite


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory, run_cli):
    """`imx bench smoke` through the CLI, real solvers, into a temporary cache."""
    folder = tmp_path_factory.mktemp("smoke")
    out = folder / "smoke.jsonl"
    res = run_cli(["bench", "smoke", "--out", str(out), "--cache-dir", str(folder / "cache"),
                   "--quiet", "--json"], catch_exceptions=False)
    summary = json.loads(res.stdout)
    return res.exit_code, summary, load_results(out)


def test_smoke_suite_runs_every_task_with_real_solvers(smoke_results):
    code, summary, records = smoke_results
    failed = [(r["task"], r["params"], r.get("error") or r.get("reason")) for r in records
              if r["status"] != "ok"]
    assert not failed and code == 0, failed
    assert summary["runs"] == len(records) == len(load_suite("smoke").runs)
    assert {r["task"] for r in records} == {"im", "cim", "hetero", "bcm", "rr", "io",
                                            "process"}
    for rec in records:
        assert rec["machine"]["usable_cores"] >= 1 and rec["versions"]["imx"]
        for phase in ("imports", "load", "warmup", "solve"):
            assert rec["times"][phase] >= 0 and phase in rec["cpu"]
        assert rec["memory"]["peak_rss_bytes"] > 0


def test_smoke_im_answers_are_consistent_with_the_evaluator(smoke_results):
    _, _, records = smoke_results
    im = [r for r in records if r["task"] == "im"]
    assert {r["params"]["solver"] for r in im} >= {"opim-c", "imm", "degree"}
    for rec in im:
        n, k = rec["graph_info"]["n"], rec["params"]["k"]
        res, ev = rec["result"], rec["evaluation"]
        assert res["num_seeds"] == k and len(set(map(str, res["seeds"]))) == k
        assert ev["method"] == "rr" and ev["eps"] == 0.05
        assert k <= ev["spread"] <= n
        if rec["params"]["solver"] == "opim-c":
            assert rec["rr_sets"] > 0
            # the certificate brackets the independent estimate (eps 0.05 slack)
            assert res["lower_bound"] <= ev["spread"] * 1.1
            assert res["upper_bound"] >= ev["spread"] * 0.9
            assert abs(res["solver_spread"] - ev["spread"]) <= 0.3 * ev["spread"]
    # the same evaluator for every solver: same seeds -> same estimate
    by_seeds = {}
    for rec in im:
        key = (rec["graph"], rec["params"]["model"], tuple(sorted(map(str,
                                                                      rec["result"]["seeds"]))))
        by_seeds.setdefault(key, set()).add(round(rec["evaluation"]["spread"], 9))
    assert all(len(v) == 1 for v in by_seeds.values())


def test_smoke_other_tasks_report_their_figures(smoke_results):
    _, _, records = smoke_results
    cim = [r for r in records if r["task"] == "cim"]
    assert all(r["evaluation"]["spread"] >= r["result"]["num_seeds"] for r in cim)
    hetero = [r for r in records if r["task"] == "hetero"]
    assert all(0 <= r["metrics"]["nspread@3"] <= 1 for r in hetero)
    bcm = [r for r in records if r["task"] == "bcm"]
    assert all(r["metrics"]["updates_per_s"] > 0 for r in bcm)
    rr = {r["params"]["method"]: r for r in records if r["task"] == "rr"}
    assert rr["coin"]["rr_sets"] == rr["auto"]["rr_sets"] == 2000
    # the same RR-set distribution either way: mean sizes agree within sampling noise
    assert abs(rr["coin"]["metrics"]["mean_size"] - rr["auto"]["metrics"]["mean_size"]) < 0.15 * \
        rr["coin"]["metrics"]["mean_size"]
    io = {r["params"]["op"]: r["metrics"] for r in records if r["task"] == "io"}
    assert io["read_edgelist"]["file"] == "karate.txt" and io["imxg_load"]["file"].endswith(".imxg")
    assert all(m["cpu_ms"] > 0 and m["wall_ms"] > 0 and m["repeats"] == 2 for m in io.values())
    proc, profiled = sorted((r for r in records if r["task"] == "process"),
                            key=lambda r: "profiled" in r["params"]["label"])
    m = proc["metrics"]
    # the imx process's own figures: its JSON answer, its time, its peak (numpy + numba
    # loaded: well above the ~10 MiB launcher it is counted from)
    assert m["out.k"] == 2 and m["process_s"] > 0 and m["numba_cache"] == "warm"
    assert m["process_peak_rss_bytes"] > 50 * 2 ** 20 > m["launcher_rss_bytes"]
    assert proc["result"]["num_seeds"] == 2 and proc["evaluation"]["spread"] >= 2
    # the instrumented CLI: its parts add up to no more than the whole, the solver's phases
    # and its memory apart from the baseline
    p = profiled["metrics"]
    parts = ("numba runtime start-up", "kernel cache loads", "graph load", "solve", "output")
    assert 0 < sum(p[f"out.wall.{n}"] for n in parts) <= p["out.wall.total"] <= p["process_s"]
    assert p["out.phases.sampling"] > 0 and p["out.kernels_compiled"] >= 0
    assert 0 < p["out.baseline_rss_bytes"] <= p["out.peak_rss_bytes"]


def test_report_of_the_smoke_results(smoke_results, tmp_path):
    _, _, records = smoke_results
    text = render_markdown(records)
    for heading in ("## Influence maximization (im)", "## Capacity-constrained IM (cim)",
                    "## HeteroIM / HeteroIR (hetero)", "## Value dynamics (bcm)",
                    "## RR sampling (rr)", "## Reading graphs (io)",
                    "## Whole processes (process)",
                    "## Where a process's time goes (profiled)"):
        assert heading in text
    assert "Not run" not in text


def test_reference_figures_beside_the_measured_ones(smoke_results):
    _, _, records = smoke_results
    refs = [{"source": "a C++ build", "match": {"task": "process", "label": "imx im karate -k 2"},
             "seconds": 0.25},
            {"source": "a paper", "match": {"task": "im", "solver": "imm", "k": 5},
             "spread": 10.0}]
    text = render_markdown(records, references=refs)
    section = text.split("## Against the reference figures")[1]
    [proc] = [r for r in records if r["task"] == "process"
              and r["params"]["label"] == "imx im karate -k 2"]
    [imm] = [r for r in records if r["task"] == "im" and r["params"]["solver"] == "imm"
             and r["params"]["k"] == 5]
    row = next(line for line in section.splitlines() if "a C++ build" in line)
    assert f"{proc['metrics']['process_s'] / 0.25:.3g}" in row
    row = next(line for line in section.splitlines() if "a paper" in line)
    assert f"{imm['evaluation']['spread'] / 10:.3g}" in row


def test_process_task_reads_the_commands_own_peak_memory(tmp_path):
    """A child that touches 120 MiB reports about that, not the (bigger) caller's peak,
    and an external program's figures come from its output."""
    import numpy as np

    from imx.benchmark.process import run_measured

    ballast = np.ones(400 * 2 ** 20 // 8)  # the caller is big
    done = run_measured([sys.executable, "-S", "-c",
                         "b = bytearray(120 * 2**20); print('Time (sec): 0.125')"],
                        cwd=str(tmp_path))
    assert done["exit"] == 0 and "Time (sec): 0.125" in done["stdout"]
    assert 120 * 2 ** 20 < done["peak_rss_bytes"] < 200 * 2 ** 20 < ballast.nbytes
    suite = tmp_path / "p.toml"
    suite.write_text(f'''
isolate = false
[[runs]]
task = "process"
program = "{sys.executable}"
command = "{{program}} -S -c \\"print('Time (sec): 0.125')\\""
figures = {{ seconds = 'Time \\(sec\\): ([0-9.]+)' }}
[[runs]]
task = "process"
program = "{tmp_path / 'no-such-program'}"
command = "{{program}} -x"
[[runs]]
task = "process"
command = "{{python}} -c \\"import json; json.dump({{{{'a': {{{{'b': 2.5}}}}}}}}, open('r.json', 'w'))\\""  # noqa: E501
output = "json-file:r.json"
numba_cache = "as-is"
''')
    ok, skipped, from_file = run_suite(str(suite), out=False)
    assert ok["status"] == "ok" and ok["metrics"]["seconds"] == 0.125, ok
    assert skipped["status"] == "skipped" and "no-such-program" in skipped["reason"]
    assert from_file["metrics"]["out.a.b"] == 2.5, from_file


def test_process_task_writes_cim_inputs_and_scores_the_pairs_on_the_passive_graph(tmp_path):
    """input = "cim": the arcs and the run's APs for the C++ reference; its seeds file of
    (node, AP) pairs is scored on the passive graph, as imx's CIM answers are."""
    fake = tmp_path / "fake_cim.py"
    fake.write_text(
        "import sys\n"
        "arcs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]\n"
        "aps = [int(x) for x in open(sys.argv[2]).read().strip().split(',')]\n"
        "print('arcs', len(arcs), 'aps', len(aps))\n"
        "print('time 0.5\\ntime 0.2\\ntime 0.4')\n"
        "a = aps[0]\n"
        "v = next(h for t, h in arcs if t == a and h not in aps)\n"
        "open('seeds.txt', 'w').write(f'{v} {a}\\n')\n")
    suite = _single_run_suite(tmp_path, "isolate = false", solver=None, task="process",
                              params=f'''program = "{sys.executable}"
input = "cim"
aps = "sample:0.1"
probs = "wc"
command = "{{program}} -S {fake} {{input}} {{aps}}"
seeds = "seeds.txt"
numba_cache = "as-is"
[runs.figures]
arcs = 'arcs (\\d+)'
aps = 'aps (\\d+)'
first = 'time ([0-9.]+)'
later = {{ pattern = 'time ([0-9.]+)', take = "median-after-first" }}
''')
    [rec] = run_suite(str(suite), out=False, cache_dir=tmp_path / "cache")
    assert rec["status"] == "ok", rec.get("error")
    assert rec["metrics"]["arcs"] == 156 and rec["metrics"]["aps"] == 3  # karate: 78 edges
    # a program that repeats its timed call: the first line, and the median of the others
    assert rec["metrics"]["first"] == 0.5 and rec["metrics"]["later"] == pytest.approx(0.3)
    assert rec["result"]["num_seeds"] == 1
    # one seed on the 31-node passive graph: its spread is at least itself, at most all of P
    assert 1.0 <= rec["evaluation"]["spread"] <= 31.0


def test_cim_steady_calls_time_more_solves_after_the_timed_one(tmp_path, monkeypatch):
    """steady_calls = N: the median of N more library calls after the timed one (a service
    answering back to back), recorded beside the first call's time, which it leaves alone."""
    import time

    import imx.solvers.cim as cim_module

    solve, calls = cim_module.cim, []

    def slow_solve(*args, **kwargs):  # every call takes at least 20 ms, and is counted
        calls.append(time.perf_counter())
        time.sleep(0.02)
        return solve(*args, **kwargs)

    monkeypatch.setattr(cim_module, "cim", slow_solve)
    suite = _single_run_suite(tmp_path, "isolate = false", solver="rr-opim+", task="cim",
                              params='aps = "sample:0.1"\nprobs = "wc"\neps = 0.3\n'
                                     'steady_calls = 3\nwarmup = "full"')
    [rec] = run_suite(str(suite), out=False, cache_dir=tmp_path / "cache")
    assert rec["status"] == "ok", rec.get("error")
    assert len(calls) == 1 + 1 + 3  # the warm-up, the timed call, the steady ones
    assert rec["metrics"]["steady_calls"] == 3
    assert 0.02 <= rec["metrics"]["steady_solve_s"] < 10.0
    assert rec["times"]["solve"] >= 0.02


# ---------------------------------------------------------------- isolation, timeouts, skips


def _single_run_suite(tmp_path, extra: str = "", solver: str | None = "degree",
                      task: str = "im", params: str = "") -> Path:
    """One run group on karate, k = 2 (``solver = None``: no solver key, e.g. a process)."""
    path = tmp_path / "one.toml"
    solver_line = "" if solver is None else f'solver = "{solver}"'
    path.write_text(f'''
name = "one"
{extra}
[evaluator]
method = "mc"
runs = 500
[graphs.karate]
dataset = "karate"
[[runs]]
task = "{task}"
graphs = ["karate"]
{solver_line}
k = 2
{params}
''')
    return path


def test_isolated_run_measures_startup_and_peak_memory(tmp_path):
    import numpy as np

    out = tmp_path / "r.jsonl"
    ballast = np.ones(600 * 2 ** 20 // 8)  # the runner is big; the worker's peak must not be
    [rec] = run_suite(str(_single_run_suite(tmp_path)), out=out, cache_dir=tmp_path / "c",
                      isolate=True)
    del ballast
    assert rec["status"] == "ok", rec.get("error")
    assert rec["isolated"] and 0 < rec["startup_s"] < rec["process_wall_s"]
    assert 20 * 2 ** 20 < rec["memory"]["peak_rss_bytes"] < 500 * 2 ** 20
    assert rec["evaluation"]["method"] == "mc" and rec["evaluation"]["runs"] == 500
    assert load_results(out)[0]["result"] == rec["result"]


@pytest.mark.skipif(not _have("imx.solvers.api"), reason="the IM solvers are not built yet")
def test_warm_worker_is_reused_and_replaced_after_a_timeout(tmp_path):
    path = tmp_path / "warm.toml"
    path.write_text('''
name = "warm"
[evaluator]
method = "mc"
runs = 200
[graphs.karate]
dataset = "karate"
[[runs]]
task = "im"
graphs = ["karate"]
solver = "degree"
k = [1, 2]
[[runs]]
task = "im"
graphs = ["karate"]
solver = "degree"
k = 3
timeout_s = 0.001
[[runs]]
task = "im"
graphs = ["karate"]
solver = "degree"
k = 4
''')
    first, second, slow, after = run_suite(str(path), out=False, cache_dir=tmp_path / "c")
    assert first["isolation"] == "warm" and first["status"] == second["status"] == "ok"
    assert first["pid"] == second["pid"]  # one process for both
    assert "startup_s" in first and "startup_s" not in second  # only the first paid for it
    for rec in (first, second):
        assert rec["memory"]["peak_scope"] == "run" and rec["isolated"]
        assert rec["memory"]["baseline_rss_bytes"] <= rec["memory"]["peak_rss_bytes"]
    assert slow["status"] == "timeout"
    assert after["status"] == "ok" and after["pid"] != first["pid"]  # a new worker
    assert after["result"]["num_seeds"] == 4


def test_timeout_is_recorded_not_fatal(tmp_path):
    suite = _single_run_suite(tmp_path, extra="timeout_s = 0.05")
    [rec] = run_suite(str(suite), out=False, cache_dir=tmp_path / "c", isolate=True)
    assert rec["status"] == "timeout" and "exceeded" in rec["error"]


def test_missing_dataset_and_missing_peer_are_skipped(tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text('''
[graphs.orkut]
dataset = "com-Orkut"
[graphs.karate]
dataset = "karate"
[[runs]]
task = "im"
graphs = ["orkut"]
solver = "degree"
k = 1
[[runs]]
task = "peer"
graphs = ["karate"]
peer = "cynetdiff-ic"
''')
    monkeypatch.setitem(sys.modules, "cynetdiff", None)  # as if not installed
    recs = run_suite(str(path), out=False, data_dir=tmp_path, cache_dir=tmp_path / "c",
                     isolate=False)
    assert [r["status"] for r in recs] == ["skipped", "skipped"]
    assert "com-Orkut not found" in recs[0]["reason"]
    assert "cynetdiff" in recs[1]["reason"]
    assert "## Not run" in render_markdown(recs)


# ---------------------------------------------------------------- report from a fixture


def _fixture_records() -> list[dict]:
    machine = {"cpu_model": "Test CPU", "usable_cores": 2, "logical_cores": 2,
               "memory_bytes": 8 * 2 ** 30, "os": "Linux", "python": "3.11"}
    base = {"type": "run", "suite": "fixture", "machine": machine,
            "versions": {"imx": "0.1.0"}, "evaluator": {"method": "rr", "eps": 0.01},
            "isolated": True, "graph": "g"}
    recs = []
    for solver, factor in (("opim-c", 1.0), ("imm", 3.0)):
        for k in (1, 10, 50):
            for rep, solve in enumerate((1.0, 2.0, 9.0)):
                recs.append(dict(base, task="im", status="ok", rep=rep,
                                 params={"solver": solver, "k": k, "model": "ic", "probs": "wc",
                                         "threads": 1},
                                 times={"solve": solve * factor * k, "warmup": 0.5},
                                 cpu={"solve": solve}, startup_s=0.1,
                                 memory={"peak_rss_bytes": 100 * 2 ** 20},
                                 rr_sets=1000 * k, evaluation={"spread": 10.0 * k + rep},
                                 result={"seeds": list(range(k)), "solver_spread": 10.0 * k,
                                         "lower_bound": 9.0 * k, "upper_bound": 12.0 * k,
                                         "approx_ratio": 0.75}, graph_info={"n": 1000}))
    for threads, solve in ((1, 8.0), (2, 4.5)):
        recs.append(dict(base, task="im", status="ok", rep=0, times={"solve": solve},
                         params={"solver": "opim-c", "k": 50, "model": "ic", "probs": "wc",
                                 "threads": threads}, evaluation={"spread": 500.0},
                         result={"seeds": [1]}, cpu={}))
    recs.append(dict(base, task="peer", status="ok", rep=0, params={"peer": "cynetdiff-ic"},
                     times={"solve": 1.0}, cpu={},
                     metrics={"unit": "simulations/s", "imx_value": 3000.0,
                              "peer_value": 1000.0, "ratio": 3.0, "imx_quality": 20.0,
                              "peer_quality": 20.1, "rounds": 3}))
    recs.append(dict(base, task="im", status="skipped", rep=0, reason="no such graph here",
                     params={"solver": "imm", "k": 100}, times={}, cpu={}))
    return recs


def test_report_tables_from_a_fixture():
    recs = _fixture_records()
    rows = summarise(recs)
    row = next(r for r in rows if r["params"].get("solver") == "opim-c"
               and r["params"]["k"] == 10 and r["params"]["threads"] == 1)
    assert row["reps"] == 3 and row["solve_s"] == 20.0 and row["spread"] == 101.0
    assert row["peak_rss_mib"] == 100 and row["seeds_identical"]
    text = render_markdown(recs)
    assert "Test CPU, 2 usable of 2 logical cores" in text
    assert "RR estimator, eps 0.01" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("| g | ic | wc | opim-c | 10 |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[8] == "20" and cells[12] == "10,000" and cells[13] == "101"
    assert "| cynetdiff-ic | g | — | 1 | simulations/s | 3,000 | 1,000 | 3 |" in text
    assert "- im g solver=imm k=100: skipped — no such graph here" in text


def test_report_plots_or_a_note_without_matplotlib(tmp_path, monkeypatch):
    results = tmp_path / "fixture.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in _fixture_records()))
    if _have("matplotlib"):
        info = write_report(results)
        names = sorted(Path(p).name for p in info["plots"])
        assert names == ["fixture-speedup-vs-threads.png",
                         "fixture-spread-vs-k-im-g-ic-wc-t1.png",
                         "fixture-time-vs-k-im-g-ic-wc-t1.png"]
        assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in info["plots"])
        assert "![fixture-time-vs-k-im-g-ic-wc-t1](fixture-time-vs-k-im-g-ic-wc-t1.png)" in \
            Path(info["markdown"]).read_text()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    info = write_report(results, tmp_path / "plain.md")
    assert info["plots"] == [] and "matplotlib is not installed" in info["note"]
    assert "matplotlib is not installed" in (tmp_path / "plain.md").read_text()


def test_bad_results_file_names_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"task": "im"}) + "\n{oops\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: not a JSON record"):
        load_results(bad)


# ---------------------------------------------------------------- CLI and shim


def test_cli_list_report_and_errors(tmp_path, capsys, run_cli):
    from imx.cli.main import main

    out = run_cli(["bench", "list", "--json"], catch_exceptions=False)
    assert {s["name"] for s in json.loads(out.output)["suites"]} >= SHIPPED
    results = tmp_path / "f.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in _fixture_records()))
    out = run_cli(["bench", "report", str(results), "--no-plots", "--json"], catch_exceptions=False)
    assert out.exit_code == 0 and json.loads(out.output)["markdown"] == str(results.with_suffix(".md"))
    for args in (["bench", "no-such-suite"], ["bench", "report", str(tmp_path / "x.jsonl")]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and ("imx: error: " in err or "Error: " in err)


def test_python_dash_m_bench_shim():
    proc = subprocess.run([sys.executable, "-m", "bench", "list"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "smoke" in proc.stdout and "peers" in proc.stdout


# ---------------------------------------------------------------- peers (optional extras)


@pytest.mark.skipif(not _have("cynetdiff"), reason="cynetdiff is not installed")
def test_cynetdiff_comparison_agrees_on_the_spread(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('''
[graphs.karate]
dataset = "karate"
[[runs]]
task = "peer"
graphs = ["karate"]
peer = ["cynetdiff-ic", "cynetdiff-lt"]
k = 3
runs = 3000
rounds = 2
''')
    for rec in run_suite(str(path), out=False, cache_dir=tmp_path / "c", isolate=False):
        assert rec["status"] == "ok", rec.get("error")
        m = rec["metrics"]
        assert m["ratio"] > 0 and m["imx_value"] > 0 and m["rounds"] == 2
        # same graph, seeds, model: Monte-Carlo means within a few standard errors
        assert abs(m["imx_quality"] - m["peer_quality"]) < 0.05 * m["peer_quality"]


def test_unknown_peer_is_a_parameter_error():
    from imx.benchmark.peers import PeerAdapter
    from imx.errors import ParameterError

    with pytest.raises(ParameterError, match="unknown peer 'no-such'"):
        PeerAdapter().modules({"peer": "no-such"})


@pytest.mark.skipif(not _have("distributed"), reason="dask[distributed] is not installed")
def test_im_on_a_dask_cluster_gives_the_local_answer(tmp_path):
    """The distributed suite's runs: one cluster per run for warm-up and solve, every
    worker's peak recorded, and the same seeds as in this process."""
    suite = tmp_path / "d.toml"
    suite.write_text('''
isolate = false
[evaluator]
method = "rr"
eps = 0.2
[graphs.karate]
dataset = "karate"
[[runs]]
task = "im"
graphs = ["karate"]
solver = "opim-c"
k = 3
eps = 0.3
cluster = ["local:1"]
[[runs]]
task = "im"
graphs = ["karate"]
solver = "opim-c"
k = 3
eps = 0.3
''')
    records = run_suite(str(suite), out=False, cache_dir=tmp_path / "c")
    on_dask, local = records
    assert on_dask["status"] == local["status"] == "ok", on_dask.get("error")
    assert on_dask["result"]["seeds"] == local["result"]["seeds"]
    [peak] = on_dask["metrics"]["worker_peak_rss_bytes"]
    assert peak > 50 * 2 ** 20
    assert "## Local and Dask (im, cluster)" in render_markdown(records)
