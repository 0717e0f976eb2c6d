"""Help text: every command lists its subcommands (lazy and eager alike) and every option
of every command says what it does."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

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
def test_group_help_lists_every_subcommand(path, command, ctx):
    res = CliRunner().invoke(cli, [*path, "--help"])
    assert res.exit_code == 0, res.output
    listed = res.output.split("Commands:", 1)[1]
    for name in command.list_commands(ctx):
        if command.get_command(ctx, name) is not None:
            assert f"\n  {name} " in listed or f"\n  {name}\n" in listed, (name, res.output)


def test_generate_help_lists_the_eager_generators():
    out = CliRunner().invoke(cli, ["generate", "--help"]).output
    for name in ("er", "ba", "chung-lu", "hetero"):
        assert f"\n  {name} " in out, out
