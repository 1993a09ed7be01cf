"""The structure the README draws: no import cycle anywhere in the package (an import inside a function
that closes a loop counts: grimp reads every import statement), and the layer contracts in
pyproject.toml hold (the README's test command runs `lint-imports` too; this keeps a plain `pytest`
run honest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

PROJECT = Path(__file__).resolve().parents[2]


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == "wizard" or importer == "wizard":
                continue  # the package's own __init__ (the version) is imported by everyone
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join([importer, *back]))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_core_imports_nothing_above_it(graph: grimp.ImportGraph) -> None:
    above = ("wizard.session", "wizard.demo", "wizard.verify", "wizard.remote", "wizard.tui", "wizard.plain", "wizard.cli",
             "wizard.output")
    bad = [(m, i) for m in graph.find_children("wizard.core") | {"wizard.core"}
           for i in graph.find_modules_directly_imported_by(m) if i.startswith(above)]
    assert not bad


def test_the_layer_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe)], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
