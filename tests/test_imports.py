"""Data flows one way: metric and transport modules import no region, renderer, job, CLI, folium or matplotlib.

Every module of ``jilin_spatial/`` is parsed with ``ast`` (never imported), and every import is
collected: at module level or inside functions, ``import x`` or ``from x import y``, absolute
(``jilin_spatial.report``) or relative (``from . import datasets``, ``from .export import write_csv``),
and ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name.
See ``docs/architecture.md`` (Never: a metric or transport module imports ``regions``, ``jilin``, a
renderer, folium, matplotlib or the CLI).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "jilin_spatial"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

#: Pure modules: they take tables, graphs and weights and know no region, no renderer and no job.
METRIC_MODULES = ("concentration", "coupling", "autocorrelation", "weights", "network", "gravity", "circles",
                  "productivity", "econometrics", "crs")

#: What they must not import: package modules (first component under jilin_spatial) and third-party packages.
FORBIDDEN_INTERNAL = {"datasets", "jilin", "regions", "report", "cli", "export", "webmap", "figures", "layers",
                      "lq_job", "tfp_job"}
FORBIDDEN_EXTERNAL = {"folium", "matplotlib"}

#: Violations that exist today and are being removed (the region refactor moves the embedded-data defaults of
#: network, gravity and circles into ``regions``/``jilin``).  THIS LIST MUST SHRINK TO EMPTY; never add to it.
#: The test fails both for a violation not listed here and for a listed one that no longer exists, so the
#: list stays true: when you remove an import, remove its entry (and the module's key once it is empty).
KNOWN_VIOLATIONS: dict[str, set[str]] = {}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _resolve(level: int, module: str | None, current: str, is_package: bool) -> str:
    """The absolute dotted name of ``from <level dots><module> import ...`` written in module ``current``."""
    if level == 0:
        return module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([module] if module else []))


def imported_names(source: str, current: str, *, is_package: bool = False) -> set[str]:
    """Absolute dotted names of everything ``source`` imports, anywhere in the file.

    ``from pkg import name`` yields both ``pkg`` and ``pkg.name`` (``name`` may be a submodule).
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.level, node.module, current, is_package)
            names.add(base)
            names |= {f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"}
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if fname in ("import_module", "__import__"):
                target = node.args[0].value
                if target.startswith("."):
                    dots = len(target) - len(target.lstrip("."))
                    target = _resolve(dots, target.lstrip(".") or None, current, is_package)
                names.add(target)
    return names


def forbidden(names: set[str]) -> set[str]:
    """The forbidden modules among ``names``: ``datasets`` for ``jilin_spatial.datasets.x``, ``folium`` ..."""
    out = set()
    for n in names:
        parts = n.split(".")
        if parts[0] == PACKAGE:
            if len(parts) > 1 and (parts[1] in FORBIDDEN_INTERNAL or parts[1].endswith("_job")):
                out.add(parts[1])
        elif parts[0] in FORBIDDEN_EXTERNAL:
            out.add(parts[0])
    return out


def _files_of(module: str) -> list[Path]:
    single = ROOT / f"{module}.py"
    return [single] if single.is_file() else sorted((ROOT / module).rglob("*.py"))


def _scan(path: Path) -> set[str]:
    return imported_names(path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py")


def violations() -> dict[str, set[str]]:
    found = {}
    for m in METRIC_MODULES:
        bad = set().union(*(forbidden(_scan(p)) for p in _files_of(m)))
        if bad:
            found[m] = bad
    return found


# ------------------------------------------------------------------------------------------------ the rule


def test_every_module_parses_and_every_metric_module_exists():
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) >= 20
    for p in files:
        _scan(p)  # a syntax error would hide imports: fail here
    missing = [m for m in METRIC_MODULES if not _files_of(m)]
    assert not missing, f"metric modules not found (renamed? update METRIC_MODULES): {missing}"


def test_metric_modules_import_no_region_renderer_job_or_cli():
    found = violations()
    new = {m: sorted(v - KNOWN_VIOLATIONS.get(m, set())) for m, v in found.items()}
    new = {m: v for m, v in new.items() if v}
    assert not new, (f"metric/transport modules import what they must not (pass the data in instead): {new}")


def test_known_violations_still_exist():
    """The allow-list is kept true: an entry whose import is gone must be removed from KNOWN_VIOLATIONS."""
    found = violations()
    gone = {m: sorted(v - found.get(m, set())) for m, v in KNOWN_VIOLATIONS.items()}
    gone = {m: v for m, v in gone.items() if v}
    assert not gone, f"fixed, so remove from KNOWN_VIOLATIONS in tests/test_imports.py: {gone}"
    assert all(v for v in KNOWN_VIOLATIONS.values()), "drop modules with an empty set from KNOWN_VIOLATIONS"


@pytest.mark.parametrize("module", ["productivity", "econometrics"])
def test_productivity_and_econometrics_are_clean(module):
    assert module not in KNOWN_VIOLATIONS
    assert forbidden(_scan(ROOT / f"{module}.py")) == set()


def test_helpers_that_metric_modules_import_are_clean():
    """A metric module may use package helpers (sectors, _errors, _versions, ...); those must not reach a
    forbidden module either, or the rule would be dodged through them."""
    helpers = set()
    for m in METRIC_MODULES:
        for p in _files_of(m):
            for n in _scan(p):
                parts = n.split(".")
                if parts[0] == PACKAGE and len(parts) > 1 and parts[1] not in METRIC_MODULES \
                        and (ROOT / f"{parts[1]}.py").is_file() and not forbidden({n}):
                    helpers.add(parts[1])
    assert {"sectors", "_errors"} <= helpers  # the scan sees them (concentration uses both)
    bad = {h: sorted(forbidden(_scan(ROOT / f"{h}.py"))) for h in sorted(helpers)}
    assert not {h: v for h, v in bad.items() if v}


# ------------------------------------------------------------------------------------------------ the scanner


def test_scanner_finds_every_import_form():
    src = "\n".join([
        "import numpy as np",
        "import matplotlib.pyplot as plt",
        "from jilin_spatial.report import build_report",
        "from jilin_spatial import regions as r",
        "from . import datasets",
        "from .export import write_csv",
        "from .sectors import GROUPS",
        "def f():",
        "    import folium.plugins",
        "    from .lq_job import run_lq_job",
        "    from ._errors import InputError",
        "    importlib.import_module('jilin_spatial.webmap')",
        "    __import__('.cli')",
        "class C:",
        "    def g(self):",
        "        from .future_job import run",
    ])
    names = imported_names(src, "jilin_spatial.network")
    assert {"numpy", "matplotlib.pyplot", "jilin_spatial.report", "jilin_spatial.regions", "jilin_spatial.datasets",
            "jilin_spatial.export", "jilin_spatial.sectors", "folium.plugins", "jilin_spatial.lq_job",
            "jilin_spatial._errors", "jilin_spatial.webmap", "jilin_spatial.cli"} <= names
    assert forbidden(names) == {"matplotlib", "report", "regions", "datasets", "export", "folium", "lq_job",
                                "webmap", "cli", "future_job"}


def test_scanner_resolves_relative_imports_in_subpackages():
    # in jilin_spatial/metrics/__init__.py "." is jilin_spatial.metrics; ".." is jilin_spatial
    names = imported_names("from .. import layers\nfrom ..figures import x\nfrom . import core",
                           "jilin_spatial.metrics", is_package=True)
    assert {"jilin_spatial.layers", "jilin_spatial.figures", "jilin_spatial.metrics.core"} <= names
    assert forbidden(names) == {"layers", "figures"}
    # in jilin_spatial/metrics/core.py "." is jilin_spatial.metrics too
    assert "jilin_spatial.metrics.x" in imported_names("from . import x", "jilin_spatial.metrics.core")
    # allowed: numpy, the package's own helpers, a name that merely starts like a forbidden one
    assert forbidden(imported_names("import numpy\nfrom ._errors import E\nimport matplotlib_scalebar\n"
                                    "from .datasetsx import y", "jilin_spatial.crs")) == set()
