"""The CLI's progress display (imx/cli/progress.py): drawn only on a terminal, ends cleanly."""
from __future__ import annotations

import io

from imx.cli.progress import Progress, compile_notice
from tests import KARATE


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _final_line(text: str) -> str:
    """What a terminal shows last: the text after the last carriage return or erase."""
    return text.rstrip("\n\x1b[?25h").rsplit("\r", 1)[-1].replace("\x1b[K", "")


def test_bar_is_replaced_by_one_final_line_when_work_ends_early():
    out = _Terminal()
    with Progress("im", stream=out, delay=0, eta=False) as progress:
        for round_ in range(1, 6):
            progress(round_, 24, f"OPIM-C ratio 0.{round_}")
        progress.finish("50 seeds, stopped: certified")
    text = out.getvalue()
    assert "5/24" in text or "1/24" in text  # rounds shown as a position, not a percentage
    last = _final_line(text)
    assert last.startswith("im: 50 seeds, stopped: certified (")
    assert "%" not in last and text.endswith("\n\x1b[?25h")


def test_counts_show_rate_and_default_final_line():
    out = _Terminal()
    clock = [0.0]
    with Progress("spread", stream=out, delay=0) as progress:
        progress.started = progress._stage_start = clock[0]
        for done in range(0, 10001, 2500):
            progress._drawn_at = -1.0  # draw every call
            progress(done, 10000, "simulations")
    text = out.getvalue()
    assert "%" in text and "simulations" in text
    assert _final_line(text).startswith("spread: done 10,000 simulations (")


def test_silent_off_terminal_quiet_and_before_delay():
    plain = io.StringIO()
    with Progress("im", stream=plain, delay=0) as progress:
        progress(1, 2, "x")
        progress.finish("done")
    assert plain.getvalue() == "" and progress.done == 1  # still records what it was told

    quiet = _Terminal()
    with Progress("im", stream=quiet, delay=0, enabled=False) as progress:
        progress(1, 2, "x")
    assert quiet.getvalue() == ""

    early = _Terminal()
    with Progress("im", stream=early, delay=60) as progress:
        progress(1, 2, "x")
        progress.finish("done")
    assert early.getvalue() == "" and not progress.shown


def test_unknown_total_bytes():
    out = _Terminal()
    with Progress("fetching x", stream=out, delay=0, unit="B") as progress:
        progress(3 * 2**20, None, "download")
    text = out.getvalue()
    assert "3.0 MiB" in text
    assert _final_line(text).startswith("fetching x: done 3.0 MiB (")


def test_error_leaves_no_bar_and_no_final_line():
    out = _Terminal()
    try:
        with Progress("im", stream=out, delay=0) as progress:
            progress(1, 2, "x")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert _final_line(out.getvalue()) == ""


def test_compile_notice_speaks_at_the_first_compilation_only():
    import numba

    assert compile_notice(quiet=True) is None
    out = _Terminal()
    stop = compile_notice(stream=out)
    assert out.getvalue() == ""  # nothing compiled yet: nothing said
    numba.njit(lambda x: x + 1)(1)  # not cached: numba compiles it
    numba.njit(lambda x: x + 2)(1)
    stop()
    text = out.getvalue()
    assert text.count("compiling native kernels once") == 1
    assert "compiling kernels" in text
    assert _final_line(text).startswith("compiling kernels: 2 kernels compiled and cached")
    numba.njit(lambda x: x + 3)(1)  # after the command: no longer listening
    assert out.getvalue() == text


def test_cli_stops_listening_when_the_command_ends(tmp_path, run_cli):
    import numba

    res = run_cli(["im", KARATE, "-k", "1", "--json"])
    assert res.exit_code == 0, res.output
    numba.njit(lambda x: x + 4)(1)  # CliRunner's stderr is closed now: must not be written


def test_cli_quiet_and_off_terminal(tmp_path, run_cli):
    graph = tmp_path / "g.txt"
    graph.write_text("0 1\n1 2\n2 0\n2 3\n")
    for extra in ([], ["--quiet"]):
        res = run_cli(["im", graph, "-k", "1", *extra])
        assert res.exit_code == 0, res.output
        assert "[" not in (res.stderr or "")  # CliRunner's stderr is not a terminal: no bar
