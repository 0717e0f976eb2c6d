"""Help text: every command lists its subcommands (lazy and eager alike) and every option
of every command says what it does."""
from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest

from imx.cli.main import cli


def _walk(command: click.Command, path: list[str], ctx: click.Context):
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _walk(sub, path + [name], click.Context(sub, info_name=name,
                                                                   parent=ctx))


COMMANDS = list(_walk(cli, [], click.Context(cli, info_name="imx")))


def test_the_walk_sees_the_whole_tree():
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"im", "cim", "bcm simulate", "bcm values", "generate er", "generate hetero",
            "bench run", "datasets fetch", "convert"} <= names


@pytest.mark.parametrize("path,command", [(p, c) for p, c, _ in COMMANDS],
                         ids=[" ".join(p) or "imx" for p, _, _ in COMMANDS])
def test_every_option_has_help(path, command):
    assert command.help or command.short_help, f"imx {' '.join(path)} has no help text"
    missing = [opt.opts[-1] for opt in command.params
               if isinstance(opt, click.Option) and not opt.hidden and not (opt.help or "").strip()]
    assert not missing, f"imx {' '.join(path)}: options without help: {missing}"


@pytest.mark.parametrize("path,command,ctx", [c for c in COMMANDS if isinstance(c[1], click.Group)],
                         ids=[" ".join(p) or "imx" for p, c, _ in COMMANDS
                              if isinstance(c, click.Group)])
def test_group_help_lists_every_subcommand(path, command, ctx, run_cli):
    res = run_cli([*path, "--help"])
    assert res.exit_code == 0, res.output
    listed = res.output.split("Commands:", 1)[1]
    for name in command.list_commands(ctx):
        if command.get_command(ctx, name) is not None:
            assert f"\n  {name} " in listed or f"\n  {name}\n" in listed, (name, res.output)


def test_generate_help_lists_the_eager_generators(run_cli):
    out = run_cli(["generate", "--help"]).output
    for name in ("er", "ba", "chung-lu", "hetero"):
        assert f"\n  {name} " in out, out


def test_help_of_every_command_loads_no_numba():
    """`imx --help` and every subcommand's --help read the name lists, never the kernels."""
    paths = [path for path, _, _ in COMMANDS]
    code = ("import sys\nfrom imx.cli.main import cli\n"
            f"for path in {paths!r}:\n"
            "    try:\n"
            "        cli.main(args=path + ['--help'], standalone_mode=False)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print('numba' in sys.modules, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False"


def _choices(path: list[str], option: str) -> tuple:
    command = next(c for p, c, _ in COMMANDS if p == path)
    return tuple(next(p for p in command.params if p.name == option).type.choices)


@pytest.mark.parametrize("path,option,library", [
    (["im"], "solver", "imx.solvers.api:SOLVERS"),
    (["im"], "model", "imx.sampling.plan:MODELS"),
    (["spread"], "model", "imx.sampling.plan:MODELS"),
    (["cim"], "solver", "imx.solvers.cim:SOLVERS"),
    (["cim"], "model", "imx.solvers.cim:MODELS"),
    (["cim-eval"], "model", "imx.solvers.cim:MODELS"),
    (["hetero"], "method", "imx.solvers.hetero:SOLVERS"),
    (["bcm", "simulate"], "model", "imx.dynamics.models:MODELS"),
    (["bcm", "simulate"], "distance", "imx.dynamics.models:DISTANCES"),
    (["bcm", "simulate"], "pairing", "imx.dynamics.deffuant:PAIRINGS"),
    (["convert"], "fmt", "imx.io.formats:WRITE_FORMATS"),
])
def test_cli_offers_what_the_library_accepts(path, option, library):
    module, _, attr = library.partition(":")
    assert _choices(path, option) == getattr(importlib.import_module(module), attr)
