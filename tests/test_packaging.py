"""Every data file in the source tree is declared in setup.cfg's package_data, as setuptools reads it.

setuptools splits a package_data value on newlines when it has any, else on commas: a value that mixes
both (a comma list continued on a second line) silently matches nothing, and the installed package then
lacks its data (caught once by CI, when examples ran against the installed wheel).
"""

import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_list(value: str) -> list[str]:
    """setuptools' ``_parse_list``: lines if the value has a newline, else commas."""
    parts = value.splitlines() if "\n" in value.strip() else value.split(",")
    return [p.strip() for p in parts if p.strip()]


def _config():
    cp = configparser.ConfigParser()
    cp.read(ROOT / "setup.cfg", encoding="utf-8")
    return cp


def _package_dirs(cp):
    dirs = {"jilin_spatial": ROOT / "jilin_spatial"}
    for line in _setuptools_list(cp["options"]["package_dir"]):
        name, path = (x.strip() for x in line.split("="))
        dirs[name] = ROOT / path
    return dirs


@pytest.mark.parametrize("package", ["jilin_spatial.data", "jilin_spatial.boundaries", "jilin_spatial.assets",
                                     "jilin_spatial.qgis_plugin"])
def test_every_data_file_is_declared(package):
    cp = _config()
    dirs = _package_dirs(cp)
    base = dirs.get(package) or ROOT / package.replace(".", "/")
    patterns = _setuptools_list(cp["options.package_data"][package])
    assert all("," not in p for p in patterns), f"{package}: a pattern holds a comma: {patterns}"
    declared = {p.resolve() for pat in patterns for p in base.glob(pat)}
    files = {p.resolve() for p in base.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
             and "__pycache__" not in p.parts}
    missing = sorted(str(p.relative_to(base)) for p in files - declared)
    assert not missing, f"{package}: files not in package_data: {missing[:10]}"
    assert declared, f"{package}: package_data matches nothing"
