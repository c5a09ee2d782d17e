"""The CLI, run in fresh interpreters: correct output, clear errors, and no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CATALOGUE_COMMANDS = [["--help"], ["list"], ["info", "toygan"], ["plugins"], ["datasets"], ["losses"]]


@pytest.fixture
def with_fixtures(fixture_site, only_fixture_plugins):
    fixture_site("ganzoo-fixture-good", "ganzoo-fixture-broken", "ganzoo-fixture-twin-a", "ganzoo-fixture-twin-b")


def torch_imported(result: subprocess.CompletedProcess[str]) -> bool:
    assert "TORCH_IMPORTED=" in result.stderr, result.stderr
    return "TORCH_IMPORTED=True" in result.stderr


@pytest.mark.parametrize("args", CATALOGUE_COMMANDS, ids=lambda a: " ".join(a))
def test_catalogue_commands_never_import_torch(with_fixtures, run_cli, args) -> None:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert not torch_imported(result)


def test_list_shows_a_table_and_survives_a_broken_plugin(with_fixtures, run_cli) -> None:
    result = run_cli("list")
    assert result.returncode == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "TASK", "PLUGIN", "PRETRAINED", "SUMMARY"]
    toy = next(r for r in rows if r.startswith("toygan"))
    assert toy.split()[:4] == ["toygan", "points-2d", "ganzoo-fixture-good", "ring*"]
    assert sum(r.startswith("twin ") for r in rows) == 2
    # the broken plugin is warned about exactly once, by name
    assert result.stderr.count("ganzoo-fixture-broken") == 1


def test_list_pattern_task_and_json(with_fixtures, run_cli) -> None:
    data = json.loads(run_cli("list", "toy*", "--json").stdout)
    assert [m["name"] for m in data] == ["toygan"]
    assert data[0]["pretrained"] == ["ring"] and data[0]["paper"]["year"] == 2014
    assert "twin" in run_cli("list", "--task", "unconditional").stdout
    assert "No models matching 'zzz*'" in run_cli("list", "zzz*").stdout


def test_info_describes_a_model(with_fixtures, run_cli) -> None:
    out = run_cli("info", "toygan").stdout
    assert "ganzoo-fixture-good:toygan" in out and "Generative Adversarial Nets" in out
    assert "latent_dim = 2" in out and "toygan.ring (default)" in out
    assert json.loads(run_cli("info", "toygan", "--json").stdout)["weights"][0]["tag"] == "ring"


def test_unknown_model_suggests_without_a_traceback(with_fixtures, run_cli) -> None:
    result = run_cli("info", "toygna")
    assert result.returncode == 1
    assert "Error: unknown model 'toygna'. Did you mean: toygan?" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_tag_or_task_is_an_error_not_a_silent_answer(with_fixtures, run_cli) -> None:
    assert "toygan.ring (default)" in run_cli("info", "toygan.ring").stdout
    for args, said in ((("info", "toygan.rnig"), "unknown pretrained weights 'toygan.rnig'. Did you mean: toygan.ring?"),
                       (("list", "--task", "bogus"), "no installed model has task 'bogus'; the tasks are")):
        result = run_cli(*args)
        assert result.returncode == 1 and said in result.stderr and "Traceback" not in result.stderr


def test_ambiguous_model_lists_qualified_names(with_fixtures, run_cli) -> None:
    result = run_cli("info", "twin")
    assert result.returncode == 1
    assert "ganzoo-fixture-twin-a:twin, ganzoo-fixture-twin-b:twin" in result.stderr
    assert "twin from plugin b" in run_cli("info", "ganzoo-fixture-twin-b:twin").stdout


def test_plugins_reports_status_and_errors(with_fixtures, run_cli) -> None:
    data = {p["name"]: p for p in json.loads(run_cli("plugins", "--json").stdout)}
    assert data["ganzoo-fixture-good"]["status"] == "ok"
    assert data["ganzoo-fixture-good"]["registered"]["model"] == ["toygan"]
    assert "ganzoo_train_start" in data["ganzoo-fixture-good"]["hooks"]
    assert data["ganzoo-fixture-broken"]["status"] == "error"
    table = run_cli("plugins")
    assert "ganzoo-fixture-broken" in table.stdout and "not-installed-anywhere" in table.stderr


def test_datasets_and_losses_list_registered_specs(with_fixtures, run_cli) -> None:
    assert any(d["name"] == "toyset" for d in json.loads(run_cli("datasets", "--json").stdout))
    assert any(x["name"] == "toyloss" for x in json.loads(run_cli("losses", "--json").stdout))


def test_misspelt_command_gets_a_suggestion(run_cli) -> None:
    result = run_cli("lsit")
    assert result.returncode == 2 and "Did you mean 'list'?" in result.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "ganzoo"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("ganzoo, version")


def test_data_check_reports_a_folder_without_importing_torch(tmp_path, run_cli) -> None:
    from PIL import Image

    for i in range(3):
        Image.new("RGB", (20, 10), (i * 80, 0, 0)).save(tmp_path / f"{i}.png")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    result = run_cli("data", "check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "usable images: 3" in result.stdout and "20x10 (3)" in result.stdout
    assert "unreadable: broken.png" in result.stdout
    assert not torch_imported(result)


def test_plugins_shows_the_built_in_plugin_once(with_fixtures, run_cli) -> None:
    rows = run_cli("plugins").stdout.splitlines()
    builtin = [r for r in rows if r.split()[:1] == ["ganzoo"]]
    assert len(builtin) == 1, rows
    assert "dataset" in builtin[0] and "loss" in builtin[0] and "features" in builtin[0]


def test_listings_print_whole_summaries_when_piped_or_wide(with_fixtures, run_cli, monkeypatch, capsys) -> None:
    """Piped output (not a terminal) is never cut; on a terminal, --wide does the same."""
    full = {x["name"]: x["summary"] for x in json.loads(run_cli("losses", "--json").stdout)}
    longest = max(full.values(), key=len)
    narrow = {"COLUMNS": "60"}
    assert longest in run_cli("losses", env=narrow).stdout  # stdout is a pipe here
    for command in (["losses"], ["list"], ["datasets"], ["features"]):
        result = run_cli(*command, "--wide", env=narrow)
        assert result.returncode == 0 and "…" not in result.stdout, result.stdout
    from ganzoo.cli import output

    monkeypatch.setattr(output, "_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "60")
    rows = [("name", "x" * 100)]
    output.echo_table(("NAME", "SUMMARY"), rows)
    assert "x" * 100 not in capsys.readouterr().out  # a terminal: cut to fit
    output.echo_table(("NAME", "SUMMARY"), rows, wide=True)
    assert "x" * 100 in capsys.readouterr().out
