"""README.md and docs/api.md stay true.

* Every ```python block of README.md runs, in order, as ONE script in a fresh folder (offline, Agg backend,
  warnings as errors apart from the libpysal/esda deprecations setup.cfg also ignores), and the ``check:``
  line the last block prints agrees with values computed here independently of the package's metrics.
* Fences are only ```python (run) or ```bash (not run); the Quick start commands are the documented ones.
* Every name of ``jilin_spatial.__all__`` is listed in docs/api.md, and every ``jilin_spatial.X`` there resolves.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jilin_spatial

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
API = ROOT / "docs" / "api.md"

FENCE_RE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)

PRELUDE = """\
import warnings
warnings.filterwarnings("error")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"libpysal.*")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"esda.*")
"""


def fences(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, in order."""
    return [(m.group("lang").strip(), m.group("body")) for m in FENCE_RE.finditer(text)]


def python_blocks(text: str) -> list[str]:
    return [body for lang, body in fences(text) if lang == "python"]


def readme_script(text: str) -> str:
    parts = [PRELUDE] + [f"# ---- README python block {i + 1}\n{b}" for i, b in enumerate(python_blocks(text))]
    return "\n".join(parts)


def _fields(line: str) -> dict:
    return dict(re.findall(r"(\w+)=(\S+)", line))


# ------------------------------------------------------------------ the extractor itself


def test_fence_extraction_on_a_fake_readme():
    text = "x\n```python\na = 1\n```\n```bash\nls\n```\n```python\nprint(a)\n```\n"
    assert fences(text) == [("python", "a = 1\n"), ("bash", "ls\n"), ("python", "print(a)\n")]
    assert python_blocks(text) == ["a = 1\n", "print(a)\n"]
    assert readme_script(text).startswith(PRELUDE) and readme_script(text).rstrip().endswith("print(a)")


def test_fences_are_python_or_bash_and_quick_start_is_kept():
    text = README.read_text(encoding="utf-8")
    langs = [lang for lang, _ in fences(text)]
    assert text.count("```") == 2 * len(langs), "an unbalanced fence"
    assert set(langs) <= {"python", "bash"}, f"fences must be ```python or ```bash, got {sorted(set(langs))}"
    assert len([x for x in langs if x == "python"]) >= 8
    quick = text[text.index("## Quick start"):text.index("## What it does")]
    bash = [body.strip() for lang, body in fences(quick) if lang == "bash"]
    assert bash == ["python3 -m pip install '.[all]' && jilin-spatial report --out jilin_report",
                    "python3 -m pip install '.[test]' && python3 -m pytest"]


# ------------------------------------------------------------------ the README runs


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme")
    script = folder.parent / f"{folder.name}_readme_blocks.py"  # outside the working folder
    script.write_text(readme_script(README.read_text(encoding="utf-8")), encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                       timeout=600)
    return folder, r


def test_readme_python_blocks_run(readme_run):
    folder, r = readme_run
    assert r.returncode == 0, r.stderr[-4000:]
    assert not r.stderr.strip(), f"the README blocks wrote to stderr (a warning?):\n{r.stderr[-2000:]}"
    # files the blocks say they write
    for f in ("counties.gpkg", "employment_2010.csv", "employment_2020.csv", "my_system.csv", "map.html", "lq.png",
              "my_layers.gpkg", "grid_lq/layers.gpkg", "grid_lq/tables/coagglomeration.csv", "grid_lq/provenance.json",
              "table1.csv", "circle_out/provenance.json", "circle_out/tables/scenario_entered_left.csv",
              "tfp_out/tables/malmquist_by_period.csv", "tfp_out/provenance.json"):
        assert (folder / f).is_file(), f


def test_readme_check_line_agrees_with_an_independent_computation(readme_run):
    folder, r = readme_run
    assert r.returncode == 0, r.stderr[-4000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("check:")]
    assert len(lines) == 1 and r.stdout.rstrip().splitlines()[-1] == lines[0], "the last line is the one check:"
    f = _fields(lines[0])

    # 1. LQ of manufacturing in grid county 9900, 2020, by hand from the CSV the README wrote (English headers)
    t = pd.read_csv(folder / "employment_2020.csv", dtype={"code": str}).set_index("code")
    assert t.shape == (16, 20)
    m = t["Manufacturing"]
    expected = (m["9900"] / t.loc["9900"].sum()) / (m.sum() / t.to_numpy().sum())
    assert float(f["lq_grid_9900_2020"]) == pytest.approx(expected, rel=1e-10)

    # 2. Moran's I of the 2020 prefecture producer-service LQ: LQ from the raw counts, libpysal Queen weights
    from jilin_spatial import datasets
    from libpysal.weights import Queen

    pref = datasets.load_boundaries("prefecture")
    emp = datasets.load_employment("prefecture", years=[2020])
    w = emp.pivot_table(index="adcode", columns="sector", values="value", aggfunc="sum")
    ps = w[["G_transport", "I_ict", "J_finance", "L_leasing_business", "M_scires"]].sum(axis=1)
    lq = (ps / w.sum(axis=1)) / (ps.sum() / w.to_numpy().sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = Queen.from_dataframe(pref, use_index=False)
    B = np.asarray(q.full()[0])
    W = B / B.sum(1, keepdims=True)
    y = lq.reindex(pref.adcode).to_numpy(float)
    z = y - y.mean()
    assert float(f["moran_I_prefecture_2020"]) == pytest.approx(len(y) / W.sum() * (z @ W @ z) / (z @ z), abs=1e-10)

    # 3. the error the Errors block provokes names the argument
    assert f["error_argument"] == "id_col"


# ------------------------------------------------------------------ docs/api.md


def _api_text() -> str:
    return API.read_text(encoding="utf-8")


def resolve(dotted: str):
    """Import the longest module prefix of ``jilin_spatial.a.b.c`` and get the rest as attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)


def test_resolver_on_fake_names():
    assert resolve("jilin_spatial.lq_job.run_lq").__name__ == "run_lq"
    assert resolve("jilin_spatial.Region.from_files").__name__ == "from_files"
    with pytest.raises(AttributeError):
        resolve("jilin_spatial.regions.no_such_thing")


def test_every_public_name_is_in_api_md():
    text = _api_text()
    listed = set(re.findall(r"`jilin_spatial\.([A-Za-z_]\w*)", text))
    missing = [n for n in jilin_spatial.__all__ if n not in listed]
    assert not missing, f"names of jilin_spatial.__all__ not listed in docs/api.md as `jilin_spatial.NAME`: {missing}"


def test_every_name_in_api_md_resolves():
    names = sorted(set(re.findall(r"jilin_spatial(?:\.[A-Za-z_]\w*)+", _api_text())))
    assert len(names) > 150
    bad = []
    for n in names:
        try:
            resolve(n)
        except (ImportError, AttributeError) as exc:
            bad.append(f"{n} ({exc})")
    assert not bad, "names in docs/api.md that do not resolve:\n" + "\n".join(bad)


@pytest.mark.parametrize("module", ["regions", "jilin", "weights", "autocorrelation", "concentration", "coupling",
                                    "network", "gravity", "circles", "productivity", "econometrics", "webmap",
                                    "figures", "layers", "export", "io", "sectors", "errors", "datasets", "crs",
                                    "report", "lq_job", "circle_job", "tfp_job"])
def test_every_public_function_and_class_of_a_module_is_in_api_md(module):
    import inspect

    mod = importlib.import_module(f"jilin_spatial.{module}")
    names = [n for n in getattr(mod, "__all__", []) if inspect.isfunction(getattr(mod, n))
             or inspect.isclass(getattr(mod, n))]
    assert names, module
    text = _api_text()
    missing = [n for n in names if f"jilin_spatial.{module}.{n}" not in text]
    assert not missing, f"jilin_spatial.{module}: not in docs/api.md: {missing}"
