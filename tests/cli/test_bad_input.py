"""Bad input on every command: one error line naming the file (and line), exit code 2.

A table-driven corpus: each row is (command x bad input -> expected message
fragment [, exit code]).  Every row writes a few files into a temporary
folder, runs both the real entry point ``imx.cli.main.main`` and click's
CliRunner on the ``cli`` group, and checks: the exit code (2 unless the row
says otherwise), no traceback, exactly one ``imx: error:`` line on stderr that
contains the expected text, and no output or temporary file left behind.
The usage errors (unknown options and commands, missing arguments) are
generated for every command and subcommand, nested groups included.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from imx.cli.main import main
from tests import KARATE as KARATE_PATH
from tests import ROOT

KARATE = str(KARATE_PATH)
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

APS = {"aps": "0 33\n"}
SEEDS = {"s.txt": "0\n33\n"}
BIG = str(2**64)
CASES += [
    # im: ranges, parse edge cases, files
    ("im-k-zero", {}, ["im", "{K}", U, "-k", "0"], "'-k': 0 is not in the range x>=1"),
    ("im-k-negative", {}, ["im", "{K}", U, "-k", "-1"], "'-k': -1 is not in the range"),
    ("im-k-fraction", {}, ["im", "{K}", U, "-k", "2.5"], "'2.5' is not a valid integer"),
    ("im-k-over-n", {}, ["im", "{K}", U, "-k", "35"], "k must be between 1 and the number"),
    ("im-k-huge", {}, ["im", "{K}", U, "-k", BIG], "k must be at most"),
    ("im-k-missing", {}, ["im", "{K}", U], "missing option '-k'"),
    ("im-eps-zero", {}, ["im", "{K}", U, "-k", "2", "--eps", "0"], "'--eps': 0.0 is not in"),
    ("im-eps-one", {}, ["im", "{K}", U, "-k", "2", "--eps", "1"], "'--eps': 1.0 is not in"),
    ("im-eps-nan", {}, ["im", "{K}", U, "-k", "2", "--eps", "nan"], "eps must be a number"),
    ("im-eps-tiny", {}, ["im", "{K}", U, "-k", "2", "--eps", "1e-300"],
     "eps = 1e-300 is too small"),
    ("im-eps-word", {}, ["im", "{K}", U, "-k", "2", "--eps", "x"], "'x' is not a valid float"),
    ("im-delta-tiny", {}, ["im", "{K}", U, "-k", "2", "--delta", "1e-320"],
     "delta = 1e-320 is too small (below 1e-300)"),
    ("im-probs-unknown", {}, ["im", "{K}", U, "-k", "2", "--probs", "zz"],
     "unknown probability scheme 'zz'"),
    ("im-probs-over-one", {}, ["im", "{K}", U, "-k", "2", "--probs", "uniform:2"],
     "P must be in (0, 1]"),
    ("im-probs-nan", {}, ["im", "{K}", U, "-k", "2", "--probs", "uniform:nan"], "'uniform:nan'"),
    ("im-model-choice", {}, ["im", "{K}", U, "-k", "2", "--model", "zz"],
     "'zz' is not one of 'ic', 'lt'"),
    ("im-solver-choice", {}, ["im", "{K}", U, "-k", "2", "--solver", "zz"], "'zz' is not one of"),
    ("im-seed-negative", {}, ["im", "{K}", U, "-k", "2", "--seed", "-1"], "'--seed': -1 is not"),
    ("im-seed-2**64", {}, ["im", "{K}", U, "-k", "2", "--seed", BIG], "'--seed': " + BIG),
    ("im-threads-zero", {}, ["im", "{K}", U, "-k", "2", "--threads", "0"], "'--threads': 0"),
    ("im-threads-huge", {}, ["im", "{K}", U, "-k", "2", "--threads", BIG],
     "threads must be at most 4,096"),
    ("im-max-memory-inf", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "infG"],
     "'infG': a memory size must be a positive number"),
    ("im-max-memory-nan", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "nan"],
     "a memory size must be a positive number"),
    ("im-max-memory-negative", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "-5G"],
     "a memory size must be a positive number"),
    ("im-max-memory-huge", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "1e300T"],
     "is not a memory size (1 byte to 8 EiB)"),
    ("im-max-memory-word", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "lots"],
     "'lots' is not a size such as 4G"),
    ("im-max-memory-sub-byte", {}, ["im", "{K}", U, "-k", "2", "--max-memory", "0.1"],
     "is not a memory size"),
    ("im-time-budget-nan", {}, ["im", "{K}", U, "-k", "2", "--time-budget", "nan"],
     "time_budget (seconds) must be a finite number > 0, got nan"),
    ("im-max-rr-sets-one", {}, ["im", "{K}", U, "-k", "2", "--max-rr-sets", "1"],
     "'--max-rr-sets': 1 is not in the range x>=2"),
    ("im-mc-runs-zero", {}, ["im", "{K}", U, "-k", "2", "--mc-runs", "0"], "'--mc-runs': 0"),
    ("im-graph-missing", {}, ["im", "{t}/none.txt", "-k", "1"], "none.txt' does not exist"),
    ("im-graph-folder", {}, ["im", "{t}", "-k", "1"], "is a directory"),
    ("im-graph-dev-null", {}, ["im", "/dev/null", "-k", "1"], "/dev/null: no edges found"),
    ("im-graph-empty", {"e.txt": ""}, ["im", "{t}/e.txt", "-k", "1"], "e.txt: no edges found"),
    ("im-graph-comments-only", {"e.txt": "# a\n\n# b\n"}, ["im", "{t}/e.txt", "-k", "1"],
     "e.txt: no edges found"),
    ("im-out-folder", {}, ["im", "{K}", U, "-k", "2", "--out", "{t}"], "is a directory"),
    ("im-out-read-only", {}, ["im", "{K}", U, "-k", "2", "--out", "/proc/o.txt"],
     "the folder '/proc' is not writable"),
    ("im-out-full-disk", {}, ["im", "{K}", U, "-k", "2", "--out", "/dev/full"],
     "/dev/full: No space left on device"),
    # spread
    ("spread-mc-zero", SEEDS, ["spread", "{K}", U, "--seeds", "{t}/s.txt", "--mc", "0"],
     "'--mc': 0 is not in the range"),
    ("spread-mc-huge", SEEDS, ["spread", "{K}", U, "--seeds", "{t}/s.txt", "--mc", BIG],
     "runs must be at most"),
    ("spread-rr-eps-tiny", SEEDS, ["spread", "{K}", U, "--seeds", "{t}/s.txt", "--rr-eps",
                                   "1e-300"], "eps = 1e-300 is too small"),
    ("spread-rr-eps-one", SEEDS, ["spread", "{K}", U, "--seeds", "{t}/s.txt", "--rr-eps", "1"],
     "'--rr-eps': 1.0 is not in"),
    ("spread-seeds-missing-option", {}, ["spread", "{K}", U], "missing option '--seeds'"),
    ("spread-seeds-folder", {}, ["spread", "{K}", U, "--seeds", "{t}"], "is a directory"),
    ("spread-seeds-dev-null", {}, ["spread", "{K}", U, "--seeds", "/dev/null"],
     "/dev/null: no seeds in the file"),
    ("spread-seed-unknown", {"s.txt": "0\n99\n"}, ["spread", "{K}", U, "--seeds", "{t}/s.txt"],
     "s.txt:2:"),
    ("spread-seed-unicode", {"s.txt": "0\n\u00e9\n"},
     ["spread", "{K}", U, "--seeds", "{t}/s.txt"], "s.txt:2:"),
    # info and convert
    ("info-missing", {}, ["info", "{t}/none.txt"], "none.txt' does not exist"),
    ("info-folder", {}, ["info", "{t}"], "is a directory"),
    ("info-probs-weibull-zero", {}, ["info", "{K}", "--probs", "weibull:0"], "'weibull:0'"),
    ("convert-out-folder", {}, ["convert", "{K}", "{t}"], "is a directory"),
    ("convert-out-read-only", {}, ["convert", "{K}", "/proc/o.imxg"], "is not writable"),
    ("convert-out-full-disk", {}, ["convert", "{K}", "/dev/full"], "No space left on device"),
    ("convert-missing-output", {}, ["convert", "{K}"], "missing argument 'OUTPUT'"),
    # generate
    ("gen-er-n-one", {}, ["generate", "er", "-n", "1", "-m", "1", "-o", "{t}/o.csv"],
     "'-n' / '--nodes': 1 is not in the range x>=2"),
    ("gen-er-too-many-arcs", {}, ["generate", "er", "-n", "3", "-m", "99", "-o", "{t}/o.csv"],
     "cannot place 99 distinct arcs on 3 nodes"),
    ("gen-er-n-huge", {}, ["generate", "er", "-n", BIG, "-m", "5", "-o", "{t}/o.csv"],
     "erdos_renyi n must be at most"),
    ("gen-er-seed-2**64", {}, ["generate", "er", "-n", "9", "-m", "5", "--seed", BIG,
                               "-o", "{t}/o.csv"], "'--seed': " + BIG),
    ("gen-er-out-missing", {}, ["generate", "er", "-n", "9", "-m", "5"], "missing option '-o'"),
    ("gen-ba-k-n", {}, ["generate", "ba", "-n", "5", "-k", "5", "-o", "{t}/o.csv"],
     "barabasi_albert needs 1 <= k < n"),
    ("gen-chung-lu-exponent-one", {}, ["generate", "chung-lu", "-n", "9", "-m", "5",
                                       "--exponent", "1", "-o", "{t}/o.csv"], "'--exponent'"),
    ("gen-chung-lu-exponent-nan", {}, ["generate", "chung-lu", "-n", "9", "-m", "5",
                                       "--exponent", "nan", "-o", "{t}/o.csv"],
     "exponent must be a finite number"),
    ("gen-hetero-inviters-inf", {}, ["generate", "hetero", "{K}", U, "-o", "{t}/h",
                                     "--inviters", "inf"], "inf is neither a fraction"),
    ("gen-hetero-inviters-too-many", {}, ["generate", "hetero", "{K}", U, "-o", "{t}/h",
                                          "--inviters", "30"], "30 inviters asked for, but only"),
    ("gen-hetero-mean-prob-nan", {}, ["generate", "hetero", "{K}", U, "-o", "{t}/h",
                                      "--mean-prob", "nan"], "mean_prob must be in"),
    # cim
    ("cim-k-zero", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", "0"], "'-k': 0 is not"),
    ("cim-eps-half", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", "1", "--eps", "0.5"],
     "'--eps': 0.5 is not in the range 0.0<x<0.5"),
    ("cim-eps-tiny", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", "1", "--eps", "1e-300"],
     "eps = 1e-300 is too small"),
    ("cim-no-aps", {}, ["cim", "{K}", U, "-k", "1"], "give the active participants"),
    ("cim-aps-and-sample", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "--ap-sample", "0.5",
                                 "-k", "1"], "give either --aps FILE or --ap-sample F"),
    ("cim-ap-sample-nan", {}, ["cim", "{K}", U, "--ap-sample", "nan", "-k", "1"],
     "AP sample fraction must be in (0, 1], got nan"),
    ("cim-aps-dev-null", {}, ["cim", "{K}", U, "--aps", "/dev/null", "-k", "1"], "/dev/null"),
    ("cim-aps-unknown-label", {"aps": "0 99\n"}, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", "1"],
     "99"),
    ("cim-solver-choice", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", "1", "--solver", "x"],
     "'x' is not one of"),
    ("cim-k-huge", APS, ["cim", "{K}", U, "--aps", "{t}/aps", "-k", BIG], "k must be at most"),
    # cim-eval: an infeasible assignment is a result, exit 1, violations listed
    ("cim-eval-over-capacity", {**APS, "as.tsv": "ap\tseed\n0\t1\n0\t2\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv", "-k", "1"],
     "infeasible (1 violations: AP 0 has 2 seeds, more than k = 1)", 1),
    ("cim-eval-seed-on-two-aps", {**APS, "as.tsv": "ap\tseed\n0\t8\n33\t8\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv"],
     "seed 8 is assigned to more than one AP", 1),
    ("cim-eval-not-a-friend", {**APS, "as.tsv": "ap\tseed\n33\t1\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv"],
     "seed 1 is not a candidate of AP 33); --allow-infeasible evaluates it anyway", 1),
    ("cim-eval-eps-one", {**APS, "as.tsv": "ap\tseed\n0\t1\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv", "--eps", "1"],
     "'--eps': 1.0 is not in"),
    ("cim-eval-no-header", {**APS, "as.tsv": "0\t1\n"},
     ["cim-eval", "{K}", U, "--aps", "{t}/aps", "--assignment", "{t}/as.tsv"],
     "as.tsv:1: expected the header"),
    # hetero
    ("hetero-K-zero", {"i.txt": "0\n"}, ["hetero", "{K}", U, "--inviters", "{t}/i.txt",
                                          "-K", "0"], "'-K': 0 is not in the range"),
    ("hetero-K-huge", {"i.txt": "0\n"}, ["hetero", "{K}", U, "--inviters", "{t}/i.txt",
                                          "-K", BIG], "K must be at most"),
    ("hetero-eps-tiny", {"i.txt": "0\n"}, ["hetero", "{K}", U, "--inviters", "{t}/i.txt",
                                            "--eps", "1e-300"], "eps = 1e-300 is too small"),
    ("hetero-method-choice", {"i.txt": "0\n"}, ["hetero", "{K}", U, "--inviters", "{t}/i.txt",
                                                 "--method", "x"], "'x' is not one of"),
    ("hetero-inviter-unknown", {"i.txt": "0\n99\n"},
     ["hetero", "{K}", U, "--inviters", "{t}/i.txt"], "99"),
    ("hetero-eval-no-ranked", {"o.tsv": "33 8\n"}, ["hetero-eval", "--observed", "{t}/o.tsv"],
     "missing argument 'RANKED...'"),
    # bcm
    ("bcm-epsilon-word", {"v.csv": VALUES}, ["bcm", "simulate", "{K}", U, "--values",
                                             "{t}/v.csv", "--epsilon", "x"],
     "'x' is not a number or a comma-separated list"),
    ("bcm-epsilon-nan", {"v.csv": VALUES}, ["bcm", "simulate", "{K}", U, "--values",
                                            "{t}/v.csv", "--epsilon", "nan"], "epsilon = nan"),
    ("bcm-mu-negative", {"v.csv": VALUES}, ["bcm", "simulate", "{K}", U, "--values",
                                            "{t}/v.csv", "--mu", "-1"], "mu = -1.0 is not in"),
    ("bcm-steps-huge", {"v.csv": VALUES}, ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv",
                                           "--steps", BIG], "steps must be at most"),
    ("bcm-tol-nan", {"v.csv": VALUES}, ["bcm", "simulate", "{K}", U, "--values", "{t}/v.csv",
                                        "--tol", "nan"], "tol must be a finite number >= 0"),
    ("bcm-values-folder", {}, ["bcm", "simulate", "{K}", U, "--values", "{t}"],
     "is a directory"),
    ("bcm-values-dev-null", {}, ["bcm", "simulate", "{K}", U, "--values", "/dev/null"],
     "/dev/null: empty value file"),
    ("bcm-min-friends-unmet", {}, ["bcm", "generate", "{K}", U, "--out", "{t}/eg",
                                   "--min-friends", "100", "--size", "5"],
     "only 0 nodes have at least 100 friends (the most is 17)"),
    ("bcm-generate-noise-inf", {}, ["bcm", "generate", "{K}", U, "--out", "{t}/eg",
                                    "--noise", "inf", "--count", "3", "--size", "5"],
     "noise must be a finite number >= 0, got inf"),
    ("bcm-generate-spread-nan", {}, ["bcm", "generate", "{K}", U, "--out", "{t}/eg",
                                     "--spread", "nan", "--count", "3", "--size", "5"],
     "spread must be a finite number >= 0, got nan"),
    ("bcm-generate-count-too-many", {}, ["bcm", "generate", "{K}", U, "--out", "{t}/eg",
                                         "--count", "1000"], "cannot build 1000 ego networks"),
    ("bcm-generate-out-read-only", {}, ["bcm", "generate", "{K}", U, "--out", "/proc/eg"],
     "is not writable"),
    ("bcm-fit-egos-missing", {}, ["bcm", "fit", "--egos", "{t}/none.csv"], "does not exist"),
    ("bcm-fit-egos-dev-null", {}, ["bcm", "fit", "--egos", "/dev/null"], "empty ego file"),
    ("bcm-fit-iterations-huge", {"e.csv": EGOS}, ["bcm", "fit", "--egos", "{t}/e.csv",
                                                  "--iterations", BIG],
     "iterations must be at most"),
    ("bcm-evaluate-params-bad-json", {"e.csv": EGOS, "p.json": "{"},
     ["bcm", "evaluate", "--egos", "{t}/e.csv", "--params", "{t}/p.json"], "not valid JSON"),
    ("bcm-evaluate-params-folder", {"e.csv": EGOS},
     ["bcm", "evaluate", "--egos", "{t}/e.csv", "--params", "{t}"], "is a directory"),
    # datasets and bench
    ("datasets-fetch-unknown", {}, ["datasets", "fetch", "zz"], "unknown dataset 'zz'"),
    ("datasets-path-unknown", {}, ["datasets", "path", "zz"], "unknown dataset 'zz'"),
    ("suite-bad-toml", {"s.toml": "name = [\n"}, ["bench", "{t}/s.toml"], "s.toml: bad TOML"),
    ("suite-empty", {"s.toml": ""}, ["bench", "{t}/s.toml"], "the suite defines no runs"),
    ("suite-unknown", {}, ["bench", "no-such-suite"], "unknown suite 'no-such-suite'"),
    ("suite-reps-zero", {}, ["bench", "smoke", "--reps", "0"], "'--reps': 0 is not"),
    ("results-bad-json", {"res.jsonl": "{\n"}, ["bench", "report", "{t}/res.jsonl"],
     "res.jsonl:1: not a JSON record"),
    ("results-folder", {}, ["bench", "report", "{t}"], "is a directory"),
]

# usage errors of every command and subcommand, nested groups included
COMMAND_PATHS = [
    ["info"], ["convert"], ["generate", "er"], ["generate", "ba"], ["generate", "chung-lu"],
    ["generate", "hetero"], ["im"], ["spread"], ["cim"], ["cim-eval"], ["hetero"],
    ["hetero-eval"], ["bcm", "simulate"], ["bcm", "fit"], ["bcm", "generate"],
    ["bcm", "evaluate"], ["datasets", "list"], ["datasets", "fetch"], ["datasets", "path"],
    ["bench", "run"], ["bench", "list"], ["bench", "report"],
]
GROUPS = [[], ["generate"], ["bcm"], ["datasets"]]  # `imx bench WORD` runs suite WORD
TAKES_ARGUMENT = {"info": "GRAPH", "convert": "GRAPH", "generate hetero": "GRAPH",
                  "im": "GRAPH", "spread": "GRAPH", "cim": "GRAPH", "cim-eval": "GRAPH",
                  "hetero": "GRAPH", "hetero-eval": "RANKED...", "bcm simulate": "GRAPH",
                  "bcm generate": "GRAPH", "datasets fetch": "NAME...", "datasets path": "NAME",
                  "bench run": "SUITE", "bench report": "RESULTS"}
for path in COMMAND_PATHS:
    name = " ".join(path)
    CASES.append((f"{name}-unknown-option", {}, [*path, "--zzzz-qqqq"],
                  f"no such option '--zzzz-qqqq'. (see 'imx {name} --help')"))
    if name in TAKES_ARGUMENT:
        CASES.append((f"{name}-missing-argument", {}, path,
                      f"missing argument '{TAKES_ARGUMENT[name]}'"))
for group in GROUPS:
    name = " ".join(["imx", *group])
    CASES.append((f"{name}-unknown-command", {}, [*group, "no-such-command"],
                  f"no such command 'no-such-command'. (see '{name} --help')"))
CASES.append(("option-without-value", {}, ["im", "{K}", "-k"], "option '-k' requires an argument"))
for path in (["datasets", "list"], ["bench", "list"]):
    CASES.append((f"{' '.join(path)}-extra-argument", {}, [*path, "extra"],
                  "got unexpected extra argument (extra)"))

# files a failed run must not leave behind
OUTPUTS = ("o.csv", "o.imxg", "r.jsonl", "r.md", "g.csv", "h.scores.tsv", "eg")


def _case(row):
    """(files, args, expected, exit code) of a corpus row; exit code 2 unless given."""
    return (*row[1:4], row[4] if len(row) > 4 else 2)


@pytest.mark.parametrize("entry", ["main", "runner"])
@pytest.mark.parametrize("files, args, expected, code", [_case(c) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(tmp_path, capsys, files, args, expected, code, entry, run_cli):
    for name, content in files.items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(tmp_path / name, mode) as fh:
            fh.write(content)
    if any("bad.imxg" in a for a in args):
        _truncated_imxg(tmp_path / "bad.imxg")
    argv = [a.replace("{t}", str(tmp_path)).replace("{K}", KARATE) for a in args]
    if entry == "main":
        with pytest.raises(SystemExit) as info:
            main(argv)
        exit_code, err = info.value.code, capsys.readouterr().err
    else:
        result = run_cli(argv)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        exit_code, err = result.exit_code, result.stderr
    # a cold kernel cache adds the first-run notice (and its closing line) before the error
    lines = [line for line in err.splitlines() if line.strip()
             and "compiling native kernels" not in line and "compiled and cached" not in line]
    assert exit_code == code, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("imx: error: "), err
    assert expected in err
    left = sorted(p.name for p in tmp_path.iterdir() if p.name in OUTPUTS or
                  p.name.endswith(".tmp"))
    assert not left, left


def test_corpus_covers_every_command():
    """Each command and subcommand has rows in the corpus (the report counts them)."""
    counts = corpus_by_command()
    assert all(counts.get(" ".join(path), 0) >= 2 for path in COMMAND_PATHS), counts


def corpus_by_command() -> dict[str, int]:
    """Rows of the corpus per command (``python -c 'from tests.test_cli_bad_input import
    corpus_by_command as c; print(c())'``)."""
    names = {" ".join(p) for p in COMMAND_PATHS} | {"bench"}
    counts: dict[str, int] = {}
    for row in CASES:
        args = [a for a in row[2] if not a.startswith("-")]
        name = next((n for n in (" ".join(args[:2]), args[0] if args else "")
                     if n in names), "imx")
        if name == "bench":
            name = "bench run"
        counts[name] = counts.get(name, 0) + 1
    return counts


def _truncated_imxg(path: Path) -> None:
    from imx.io.binary import save_graph
    from imx.io import load_graph

    save_graph(load_graph(KARATE, directed=False), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_damaged_imxg_offsets_are_refused(tmp_path, capsys):
    import numpy as np

    from imx.io.npz import load_npz_members, save_npz_aligned
    from imx.io.binary import save_graph
    from imx.io import load_graph

    good = tmp_path / "g.imxg"
    save_graph(load_graph(KARATE, directed=False), good)
    arrays = {k: np.array(v) for k, v in load_npz_members(good, False).items()}
    arrays["out_offsets"] = arrays["out_offsets"][::-1].copy()
    save_npz_aligned(tmp_path / "bad.imxg", arrays)
    arrays["out_offsets"] = arrays["out_offsets"][::-1].copy()
    arrays["meta"] = np.frombuffer(b"{not json", dtype=np.uint8)
    save_npz_aligned(tmp_path / "meta.imxg", arrays)
    for name, expected in (("bad.imxg", "out-offsets not increasing"),
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


def test_atomic_directory_publishes_whole_or_nothing(tmp_path):
    from imx.io.atomic import atomic_directory

    target = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as staging:
            (Path(staging) / "a.csv").write_text("1\n")
            raise RuntimeError("disk full, say")
    assert sorted(os.listdir(tmp_path)) == []  # neither the folder nor its staging copy
    with atomic_directory(target) as staging:
        (Path(staging) / "a.csv").write_text("1\n")
        assert not target.exists()  # nothing visible until the body is done
    assert sorted(os.listdir(target)) == ["a.csv"] and sorted(os.listdir(tmp_path)) == ["out"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o777 & ~_umask())
    # an existing folder keeps the files the caller does not replace
    (target / "notes.txt").write_text("mine\n")
    with atomic_directory(target, remove=lambda name: name.endswith(".csv")) as staging:
        (Path(staging) / "b.csv").write_text("2\n")
    assert sorted(os.listdir(target)) == ["b.csv", "notes.txt"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_save_egos_interrupted_leaves_no_half_folder(tmp_path, monkeypatch):
    import imx
    from imx.dynamics import egonets
    from imx.graph.generate import barabasi_albert
    from imx.io import ego_files

    egos = imx.dynamics.generate_egos(barabasi_albert(80, 3, seed=1), count=4, size=6, seed=2)
    real_write = ego_files._write_networks
    calls = []

    def write_then_fail(path, data, indices):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C (or a full disk) while the third file is written
        real_write(path, data, indices)

    monkeypatch.setattr(ego_files, "_write_networks", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        egonets.save_egos(egos, tmp_path / "eg")
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(ego_files, "_write_networks", real_write)
    written = egonets.save_egos(egos, tmp_path / "eg", extra_files={"planted.json": "{}\n"})
    assert len(written) == 4 and all(os.path.dirname(p) == str(tmp_path / "eg") for p in written)
    assert (tmp_path / "eg" / "planted.json").read_text() == "{}\n"
    assert len(imx.dynamics.load_egos(tmp_path / "eg")) == 4


def test_atomic_open_writes_into_a_pipe_instead_of_replacing_it(tmp_path):
    """A device or pipe (/dev/stdout, /dev/full, a FIFO) is written into, never renamed over."""
    import stat
    import threading

    from imx.io.atomic import atomic_write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    atomic_write_text(fifo, "through the pipe\n")
    reader.join(10)
    assert got == ["through the pipe\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]
    # a link keeps pointing at the (new) file
    (tmp_path / "real.txt").write_text("old\n")
    os.symlink(tmp_path / "real.txt", tmp_path / "link.txt")
    atomic_write_text(tmp_path / "link.txt", "new\n")
    assert os.path.islink(tmp_path / "link.txt") and (tmp_path / "real.txt").read_text() == "new\n"


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    import imx.io

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imx.io, "load_graph", interrupted)
    with pytest.raises(SystemExit) as info:
        main(["info", KARATE])
    err = capsys.readouterr().err
    assert info.value.code == 130 and err.strip() == "imx: interrupted", err


def test_closed_stdout_is_an_error_not_silence(tmp_path):
    import subprocess
    import sys as _sys

    code = "import os, sys; os.close(1); sys.stdout = None; from imx.cli.main import main; main()"
    done = subprocess.run([_sys.executable, "-c", code, "info", "graphs/karate.txt"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "imx: error: standard output is closed; results cannot be written"]
