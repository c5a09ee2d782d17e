"""The ``ganzoo`` command. Commands live in their own modules and load lazily, so
``--help``, ``list``, ``info`` and ``plugins`` never import torch."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import atexit
import errno
import os
import sys
import warnings
from typing import Any

import click

from ganzoo._version import __version__
from ganzoo.errors import GanzooError
from ganzoo.registry import load_builder

#: command name -> "module:attribute"; kept sorted as `ganzoo --help` shows it.
COMMANDS = {
    "compare": "ganzoo.cli.compare:compare_cmd",
    "data": "ganzoo.cli.data:data_group",
    "datasets": "ganzoo.cli.catalog:datasets_cmd",
    "eval": "ganzoo.cli.evaluate:eval_cmd",
    "export": "ganzoo.cli.export:export_cmd",
    "features": "ganzoo.cli.catalog:features_cmd",
    "info": "ganzoo.cli.catalog:info_cmd",
    "interpolate": "ganzoo.cli.styles:interpolate_cmd",
    "list": "ganzoo.cli.catalog:list_cmd",
    "losses": "ganzoo.cli.catalog:losses_cmd",
    "mix": "ganzoo.cli.styles:mix_cmd",
    "new-plugin": "ganzoo.cli.scaffold:new_plugin_cmd",
    "plugins": "ganzoo.cli.catalog:plugins_cmd",
    "report": "ganzoo.cli.report:report_cmd",
    "sample": "ganzoo.cli.sample:sample_cmd",
    "train": "ganzoo.cli.train:train_cmd",
    "translate": "ganzoo.cli.translate:translate_cmd",
    "weights": "ganzoo.cli.weights:weights_group",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command is used."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            return load_builder(self.lazy[name])
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            import difflib

            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=1) if args else []
            if close and "No such command" in err.message:
                err.message += f" Did you mean {close[0]!r}?"
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GanzooError as err:
            raise click.ClickException(str(err)) from err
        except BrokenPipeError:  # `ganzoo list | head -1`: the reader left; end quietly, as git and ls do
            _silence_stdout()
            ctx.exit(0)
        except OSError as err:  # no space, permission, read-only: one line naming the path
            where = f" {err.filename}" if err.filename else ""
            why = "a file is in the way where a folder should be" if err.errno in (errno.EEXIST, errno.ENOTDIR) \
                else (err.strerror or str(err))
            raise click.ClickException(f"cannot write or read{where}: {why}. "
                                       "Free space or pick a writable place (--out), then try again.") from err
        except KeyboardInterrupt:
            click.echo("\ninterrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as err:  # noqa: BLE001 - a bug in ganzoo or a plugin: one line, the traceback on request
            if os.environ.get("GANZOO_TRACEBACK"):
                raise
            raise click.ClickException(unexpected_error_line(err)) from err


def unexpected_error_line(err: BaseException) -> str:
    """One line for an error nobody raised on purpose (a plugin's bug, a library's failure):
    where it came from, what it said, and how to see the whole traceback."""
    tb = err.__traceback__
    origin = "ganzoo"
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top and top not in ("ganzoo", "torch", "click", "__main__") and top not in sys.stdlib_module_names:
            origin = top  # the innermost frame outside ganzoo, torch and the standard library
        tb = tb.tb_next
    text = " ".join(str(err).split()) or "(no message)"
    return (f"{type(err).__name__} in {origin}: {text} "
            "(a bug, not your input: rerun with `ganzoo --traceback ...` for the full traceback and report it).")


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ganzoo")
@click.option("--traceback", "show_traceback", is_flag=True,
              help="Print the full traceback of unexpected errors and of plugins that fail to load "
                   "(or set GANZOO_TRACEBACK=1).")
def main(show_traceback: bool = False) -> None:
    """ganzoo: every classic GAN under one name.

    \b
    ganzoo list                 models from every installed plugin
    ganzoo info dcgan           paper, defaults, data kinds, pretrained weights
    ganzoo plugins              installed plugins and their health
    ganzoo new-plugin NAME      scaffold a plugin distribution of your own
    """
    atexit.register(_flush_quietly)  # output cut short by `| head` ends quietly, even at the final flush
    if show_traceback:
        os.environ["GANZOO_TRACEBACK"] = "1"  # read when the plugins load, on first use of the registry
    if not sys.warnoptions:
        warnings.showwarning = _show_warning
