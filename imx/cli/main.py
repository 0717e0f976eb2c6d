"""Entry point of the ``imx`` command.

Subcommands are imported only when invoked, so ``imx --help`` does not load
numba.  Every deliberate imx error becomes one line on stderr and exit code 2.
"""
from __future__ import annotations

import errno
import importlib
import sys

import click

from .._version import __version__
from ..errors import ImxError

# command name -> "module:attribute"; each module owns its commands.
COMMANDS = {
    "info": ("imx.cli.graph_cmds:info", "Summarise a graph: size, degrees, probabilities, memory."),
    "convert": ("imx.cli.graph_cmds:convert", "Convert an edge list to the fast .imxg binary form."),
    "generate": ("imx.cli.graph_cmds:generate", "Generate synthetic graphs and data sets."),
    "im": ("imx.cli.im:im", "Classic influence maximization (OPIM-C, IMM, baselines)."),
    "spread": ("imx.cli.im:spread", "Estimate the expected spread of a seed set."),
    "cim": ("imx.cli.cim:cim", "Capacity-constrained influence maximization."),
    "cim-eval": ("imx.cli.cim:cim_eval", "Estimate the spread of a CIM assignment."),
    "hetero": ("imx.cli.hetero:hetero", "HeteroIM / HeteroIR reranking of friend recommendations."),
    "hetero-eval": ("imx.cli.hetero:hetero_eval", "Recall/NDCG/NSpread of a reranking."),
    "bcm": ("imx.cli.bcm:bcm", "Bounded-confidence value dynamics: simulate, fit, generate."),
    "datasets": ("imx.cli.datasets:datasets", "The registry of SNAP / IM-literature graphs."),
    "bench": ("imx.cli.bench:bench", "Run a benchmark suite and report."),
}


# commands that run numba kernels: the first one after an install compiles them
KERNEL_COMMANDS = frozenset({"im", "spread", "cim", "cim-eval", "hetero", "bcm", "generate", "bench"})


def _announce_first_compile(ctx: click.Context, name: str, args: list[str]) -> None:
    """Say why the first kernel-using run after an install is slow, with progress (stderr)."""
    if name in KERNEL_COMMANDS:
        from .progress import compile_notice

        # like the commands' own progress: nothing with --quiet or --json
        stop = compile_notice(quiet=bool({"-q", "--quiet", "--json"} & set(args)))
        if stop is not None:
            ctx.call_on_close(stop)  # when the command ends, also inside CliRunner


class ImxCommandError(click.ClickException):
    """An :class:`ImxError` raised inside a command: one line, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"imx: error: {one_line_message(self)}", err=True, file=file)


def one_line_message(exc: click.ClickException) -> str:
    """The message of ``exc`` on one line; a usage error ends with its command's --help hint."""
    text = " ".join(exc.format_message().split())
    if not isinstance(exc, click.UsageError):
        return text
    if text[:1].isupper() and text[1:2].islower():
        # click's "Invalid value ..." then reads like imx's own lower-case lines
        text = text[0].lower() + text[1:]
    ctx = exc.ctx
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        text += f" (see '{ctx.command_path} --help')"
    return text


def _as_click_error(exc: BaseException) -> click.ClickException | None:
    if isinstance(exc, ImxError):
        return ImxCommandError(str(exc))
    if isinstance(exc, OSError):
        if exc.errno == errno.EPIPE:
            return None  # stdout closed by the reader (`| head`): click leaves quietly
        # a file that cannot be read or written (missing, a folder, no permission, disk full)
        where = f"{exc.filename}: " if exc.filename else ""
        return ImxCommandError(f"{where}{exc.strerror or exc}")
    if isinstance(exc, EOFError):
        # click would turn it into "Aborted!"; it means compressed input ended early
        return ImxCommandError(f"unexpected end of input data ({exc or 'truncated file'})")
    return None


class LazyGroup(click.Group):
    """A click group whose subcommands live in modules imported on demand."""

    def __init__(self, *args, lazy_commands: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx, name):
        if name in self.lazy_commands:
            target = self.lazy_commands[name][0]
            module_name, attr = target.split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not ctx.resilient_parsing and not {"-h", "--help"} & set(rest):
            _announce_first_compile(ctx, name, rest)
        return name, command, rest

    def invoke(self, ctx):
        # Commands raise library errors; turning them into click errors here
        # (rather than in main()) gives CliRunner and embedding callers exit 2 too.
        try:
            return super().invoke(ctx)
        except (ImxError, OSError, EOFError) as exc:
            converted = _as_click_error(exc)
            if converted is None:
                raise
            raise converted from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, but every error is one ``imx: error:`` line (also under CliRunner).

        click prints usage errors as a three-line ``Usage: / Try / Error:`` block;
        parsing in non-standalone mode and reporting here gives every command and
        subcommand, nested groups included, the same one-line form.
        """
        prog_name = "imx"  # also under CliRunner, which would name the program after the function
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # a bare `imx` or `imx bcm`: the help is the answer
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"imx: error: {one_line_message(exc)}", err=True)
            sys.exit(exc.exit_code)
        except (ImxError, OSError, EOFError) as exc:
            converted = _as_click_error(exc)
            if converted is None:
                raise
            click.echo(f"imx: error: {one_line_message(converted)}", err=True)
            sys.exit(converted.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("imx: interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)

    def format_commands(self, ctx, formatter):
        # lazy commands from their listed help (no import); eager ones (added with
        # @group.command) from their own short help
        help_of = {name: help_text for name, (_, help_text) in self.lazy_commands.items()}
        for name, command in self.commands.items():
            if not command.hidden:
                help_of[name] = command.get_short_help_str(limit=formatter.width)
        rows = sorted(help_of.items())
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="imx")
def cli():
    """imx: influence maximization on social graphs.

    GRAPH arguments are edge-list files (SNAP text, `u v`, `u v p`, CSV, a first
    line `n m`, gzip/bz2/xz), NetworkX edge lists (`u v {'p': 0.3}`), Matrix
    Market .mtx files, or .imxg binary graphs made by `imx convert`.
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: one ``imx: error:`` line and exit code 2 for any bad input or usage."""
    if sys.stdout is None:
        # started with stdout closed (`imx ... >&-`): results would vanish without a word
        if sys.stderr is not None:
            print("imx: error: standard output is closed; results cannot be written",
                  file=sys.stderr)
        sys.exit(2)
    cli.main(args=argv, prog_name="imx")


if __name__ == "__main__":  # pragma: no cover
    main()
