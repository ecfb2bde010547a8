"""``gis --help`` and ``gis load --help``: an example per format, the exit codes, and no option left unexplained."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from loaders.cli import build_parser
from tests.loaders.conftest import ROOT

FORMATS = (".gpkg", ".shp", ".zip", ".gdb", ".geojson", ".csv", ".dxf", ".dgn", ".tif")


@pytest.mark.parametrize("command", [["--help"], ["load", "--help"]])
def test_help_shows_an_example_for_every_format(command: list[str]) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "loaders.cli", *command],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0
    examples = [line for line in shown.stdout.splitlines() if line.strip().startswith("gis load ")]
    for suffix in FORMATS:
        assert any(f"{suffix} " in line for line in examples), f"no example loads a {suffix} file"
    assert "exit codes: 0 done, 1 data rejected (nothing written), 2 usage or environment" in shown.stdout


def _parsers(parser: argparse.ArgumentParser, name: str = "gis") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from _parsers(child, f"{name} {sub}")


def test_every_argument_of_every_command_says_what_it_is_for() -> None:
    unexplained = [
        f"{name} {action.dest}"
        for name, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help
    ]
    assert unexplained == []
