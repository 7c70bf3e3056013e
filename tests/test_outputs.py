"""Outputs lose nothing and claim nothing impossible: --force, races, staging, checks, names, CSV, provenance,
reproducibility."""

import csv
import datetime as dt
import errno
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading

import pandas as pd
import pytest

from jilin_spatial import cli, datasets, export
from jilin_spatial._errors import InputError, OutputExistsError
from jilin_spatial.export import MANIFEST_NAME, OutputDir, safe_filename, write_csv

# Known, unrelated: the installed CJK font lacks U+2212 (fixed elsewhere); figures are not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph 8722:UserWarning")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def user_data(tmp_path):
    """The prefecture employment table and polygons as a user's files (codes renamed)."""
    e = datasets.load_employment("prefecture")
    t = e[["adcode", "sector", "year", "value"]].rename(columns={"adcode": "code"})
    poly = datasets.load_boundaries("prefecture").rename(columns={"adcode": "pid"})
    return t, poly


def _lq_argv(table, polygons, out, *extra):
    return ["lq", "--table", str(table), "--id-col", "code", "--polygons", str(polygons), "--poly-id-col", "pid",
            "--out", str(out), *extra]


def _one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# 1. --force --------------------------------------------------------------------------------------------------------

def test_force_never_deletes_inputs_or_foreign_files(tmp_path, user_data, capsys):
    t, poly = user_data
    proj = tmp_path / "proj"
    proj.mkdir()
    t.to_csv(proj / "mine.csv", index=False)
    poly.to_file(proj / "mine.gpkg", engine="pyogrio")
    (proj / "thesis.docx").write_bytes(b"chapter 1")
    before = {p.name: _sha(p) for p in proj.iterdir()}
    assert cli.main(_lq_argv(proj / "mine.csv", proj / "mine.gpkg", proj, "--force")) == 2
    line = _one_line(capsys)
    assert "--out:" in line and "holds the input" in line and "mine.csv" in line
    assert {p.name: _sha(p) for p in proj.iterdir()} == before
    # inputs elsewhere: the folder still is not ours, so --force refuses and names nothing-to-delete reason
    (proj / "mine.csv").rename(tmp_path / "mine.csv")
    (proj / "mine.gpkg").rename(tmp_path / "mine.gpkg")
    assert cli.main(_lq_argv(tmp_path / "mine.csv", tmp_path / "mine.gpkg", proj, "--force")) == 2
    assert "no valid .jilin_spatial_manifest.json" in _one_line(capsys)
    assert (proj / "thesis.docx").read_bytes() == b"chapter 1"


def test_force_replaces_own_output_but_refuses_foreign_files_naming_them(tmp_path):
    out = tmp_path / "out"
    with OutputDir(out) as s:
        (s / "tables").mkdir()
        (s / "tables" / "a.csv").write_text("old")
        (s / "b.txt").write_text("old")
    (out / "tables" / "notes.txt").write_text("mine")
    (out / "thesis.docx").write_text("mine")
    with pytest.raises(OutputExistsError, match=r"'tables/notes.txt', 'thesis.docx'"):
        OutputDir(out, force=True)
    (out / "tables" / "notes.txt").unlink()
    (out / "thesis.docx").unlink()
    with OutputDir(out, force=True) as s:
        (s / "c.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "c.txt", "provenance.json"]
    assert json.loads((out / MANIFEST_NAME).read_text())["files"] == ["c.txt", "provenance.json"]


def test_force_rechecks_at_publish_time(tmp_path):
    out = tmp_path / "out"
    with OutputDir(out) as s:
        (s / "a.txt").write_text("old")
    od = OutputDir(out, force=True)
    with pytest.raises(OutputExistsError, match="thesis.docx"):
        with od as s:
            (s / "a.txt").write_text("new")
            (out / "thesis.docx").write_text("saved during the run")
    assert (out / "thesis.docx").read_text() == "saved during the run"
    assert (out / "a.txt").read_text() == "old"  # nothing deleted before the refusal
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_manifest_cannot_point_outside(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"written_by": "jilin_spatial", "files": ["../victim.txt"]}))
    with pytest.raises(OutputExistsError, match="no valid"):
        OutputDir(out, force=True)
    assert victim.read_text() == "keep"


# 2. publish without replacing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("existing_empty", [False, True])
def test_two_concurrent_runs_cannot_both_succeed(tmp_path, existing_empty):
    out = tmp_path / "out"
    if existing_empty:
        out.mkdir()
    barrier = threading.Barrier(2)
    results = {}

    def job(tag):
        try:
            with OutputDir(out) as s:  # both pass the start check: the folder is empty or absent
                (s / "who.txt").write_text(tag)
                barrier.wait(timeout=30)  # both have computed; now both publish
            results[tag] = "ok"
        except OutputExistsError as exc:
            results[tag] = exc

    threads = [threading.Thread(target=job, args=(tag,)) for tag in "AB"]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    winners = [k for k, v in results.items() if v == "ok"]
    losers = [v for v in results.values() if v != "ok"]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "still empty or new when the results are published" in str(losers[0])
    assert (out / "who.txt").read_text() == winners[0]  # the winner's output is whole and untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


def test_sequential_interleaving_second_publish_fails(tmp_path):
    out = tmp_path / "out"
    a, b = OutputDir(out), OutputDir(out)
    with a as s:
        (s / "x.txt").write_text("A")
    with pytest.raises(OutputExistsError):
        with b as s:
            (s / "x.txt").write_text("B")
    assert (out / "x.txt").read_text() == "A"


@pytest.mark.parametrize("existing_empty", [False, True])
def test_file_saved_during_run_is_kept(tmp_path, existing_empty):
    out = tmp_path / "out"
    if existing_empty:
        out.mkdir()
    with pytest.raises(OutputExistsError, match="notes.txt"):
        with OutputDir(out) as s:
            (s / "x.txt").write_text("result")
            out.mkdir(exist_ok=True)
            (out / "notes.txt").write_text("user")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "user"


# 3. staging --------------------------------------------------------------------------------------------------------

def test_out_dot_publishes_into_the_current_folder(tmp_path, monkeypatch, capsys):
    rows = [{"dmu": d, "t": 2000 + k, "x": 1.0 + i + k, "y": 2.0 + (i * k) % 3} for i, d in enumerate("ABCD")
            for k in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "p.csv", index=False)
    here = tmp_path / "work"
    here.mkdir()
    inode = os.stat(here).st_ino
    monkeypatch.chdir(here)
    assert cli.main(["tfp", "--panel", str(tmp_path / "p.csv"), "--dmu", "dmu", "--period", "t", "--inputs", "x",
                     "--outputs", "y", "--out", "."]) == 0
    assert os.stat(".").st_ino == inode  # the user's folder itself is kept (a shell in it still sees the files)
    assert len(pd.read_csv("tables/malmquist.csv")) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "work"]  # no staging left
    prov = json.loads((here / "provenance.json").read_text())
    assert prov["job"] == "tfp" and prov["output"] == str(here)
    assert prov["inputs"][0]["sha256"] == _sha(tmp_path / "p.csv")


def test_stale_staging_of_dead_processes_is_removed(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = int(proc.stdout)
    stale = tmp_path / f".out.partial-{dead}-abc123"
    alive = tmp_path / f".out.partial-{os.getpid()}-def456"
    other = tmp_path / f".other.partial-{dead}-ghi789"
    for d in (stale, alive, other):
        d.mkdir()
        (d / "layers.gpkg").write_bytes(b"x" * 1000)
    with OutputDir(tmp_path / "out") as s:
        (s / "a.txt").write_text("a")
    assert not stale.exists()
    assert alive.exists() and other.exists()  # a live run's staging and another folder's are left alone


# 4. checked before the computation --------------------------------------------------------------------------------

def test_out_under_a_file_fails_before_computing(tmp_path):
    from jilin_spatial.report import build_report

    (tmp_path / "f.txt").write_text("x")
    called = []
    with pytest.raises(InputError, match=r"--out: expected a path whose parent folders are folders.*f\.txt"):
        build_report(tmp_path / "f.txt" / "rep", progress=lambda *a: called.append(a))
    assert called == []
    with pytest.raises(InputError, match="which is a file"):
        OutputDir(tmp_path / "f.txt")
    assert (tmp_path / "f.txt").read_text() == "x"


def test_read_only_location_fails_before_computing(tmp_path, monkeypatch):
    from jilin_spatial.report import build_report

    real = tempfile.mkdtemp

    def mkdtemp(*a, dir=None, prefix=None, **kw):  # a read-only mount: every create fails with EROFS
        if dir is not None and str(dir).startswith(str(tmp_path)):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, prefix=prefix, **kw)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    called = []
    with pytest.raises(InputError, match="writable location.*Read-only file system"):
        build_report(tmp_path / "rep", progress=lambda *a: called.append(a))
    assert called == []


# 5. numeric options ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, option", [
    (["circle", "--out", "x", "--minutes", "nan"], "--minutes"),
    (["circle", "--out", "x", "--minutes", "30", "inf"], "--minutes"),
    (["circle", "--out", "x", "--access-min", "inf"], "--access-min"),
    (["circle", "--out", "x", "--speed-hsr", "-220"], "--speed-hsr"),
    (["circle", "--out", "x", "--speed-conventional", "0"], "--speed-conventional"),
    (["circle", "--out", "x", "--speed-hsr", "1e300"], "--speed-hsr"),
    (["report", "--out", "x", "--minutes", "nan"], "--minutes"),
    (["report", "--out", "x", "--minutes", "-30"], "--minutes"),
    (["report", "--out", "x", "--years", "2010.5"], "--years"),
    (["lq", "--table", "t", "--id-col", "c", "--polygons", "p", "--out", "x", "--year", "nan"], "--year"),
])
def test_numeric_options_finite_and_in_range(argv, option, capsys):
    with pytest.raises(SystemExit) as e:
        cli.build_parser().parse_args(argv)
    assert e.value.code == 2
    line = _one_line(capsys)
    assert f"argument {option}: expected" in line and "Fix: e.g." in line


def test_numeric_options_valid_values_pass():
    a = cli.build_parser().parse_args(["circle", "--out", "x", "--minutes", "45.5", "1440", "--access-min", "0.5",
                                       "--speed-hsr", "350"])
    assert a.minutes == [45.5, 1440.0] and a.access_min == 0.5 and a.speed_hsr == 350.0


# 6. file names / 7. CSV formula injection -------------------------------------------------------------------------

def test_safe_filename_unique_and_safe():
    names = ["a/b", "a_b", "a\\b", "..", ".hidden", "con:x", "批发/零售", "x" * 300]
    got = [safe_filename(n) for n in names]
    assert len(set(got)) == len(got)
    for g in got:
        assert "/" not in g and "\\" not in g and ":" not in g and not g.startswith(".")
        assert len(g.encode("utf-8")) <= 120
    assert got[1] == "a_b"  # already safe: unchanged
    assert got[0] == "a_b-" + hashlib.sha256(b"a/b").hexdigest()[:8]


def test_write_csv_neutralises_formulas_not_numbers(tmp_path):
    df = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "-2+3", "@cmd", "-3.5", "Jilin", None],
                       "value": [-1.5, 2.0, -3.0, 0.0, 1.0, -0.25, 7.0],
                       "=col": ["a", "b", "c", "d", "e", "f", "g"]})
    orig = df.copy()
    write_csv(df, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["name", "value", "'=col"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'+SUM(A1)", "'-2+3", "'@cmd", "-3.5", "Jilin", ""]
    assert [float(r[1]) for r in rows[1:]] == [-1.5, 2.0, -3.0, 0.0, 1.0, -0.25, 7.0]  # numbers stay numbers
    pd.testing.assert_frame_equal(df, orig)  # the caller's frame is untouched


def test_lq_job_with_slash_and_formula_sector_names(tmp_path, user_data, capsys):
    t, poly = user_data
    ren = {"C_manuf": "C/manuf", "A_agri": "=1+1"}
    t = t.assign(sector=t.sector.replace(ren))
    t.to_csv(tmp_path / "mine.csv", index=False)
    poly.to_file(tmp_path / "mine.gpkg", engine="pyogrio")
    out = tmp_path / "rep"
    assert cli.main(_lq_argv(tmp_path / "mine.csv", tmp_path / "mine.gpkg", out, "--sectors", "C/manuf", "=1+1",
                                 "--sector-names", "as_is")) == 0
    figs = sorted(p.name for p in (out / "figures").iterdir())
    assert f"{safe_filename('lq_C/manuf_2020')}.png" in figs and len(figs) == 2
    lq = pd.read_csv(out / "tables" / "location_quotients.csv", dtype={"adcode": str})
    assert set(lq.sector) == {"C/manuf", "'=1+1"}
    # LQ values are still numbers and right: independent computation for C/manuf, 2020
    t20 = t[t.year == 2020].pivot_table(index="code", columns="sector", values="value", aggfunc="sum")
    sec = t20.drop(columns="TOTAL", errors="ignore")
    exp = (sec["C/manuf"] / sec.sum(axis=1)) / (sec["C/manuf"].sum() / sec.values.sum())
    got = lq[(lq.year == 2020) & (lq.sector == "C/manuf")].set_index("adcode").lq
    pd.testing.assert_series_equal(got.loc[exp.index].rename(None), exp.rename(None), check_names=False,
                                   check_index=False, rtol=1e-12)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["job"] == "lq" and prov["arguments"]["sectors"] == ["C/manuf", "=1+1"]
    assert {i["sha256"] for i in prov["inputs"]} == {_sha(tmp_path / "mine.csv"), _sha(tmp_path / "mine.gpkg")}
    assert "provenance.json" in (out / "summary.md").read_text(encoding="utf-8")


# 8. provenance / 9. reproducibility -------------------------------------------------------------------------------

def test_circle_writes_provenance(tmp_path, capsys):
    out = tmp_path / "c"
    assert cli.main(["circle", "--from", "Changchun", "--minutes", "30", "--out", str(out)]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["job"] == "circle" and prov["arguments"]["minutes"] == [30.0]
    paths = {i["path"]: i["sha256"] for i in prov["inputs"]}
    rail = str(datasets.get_path("rail_edges"))
    assert paths[rail] == _sha(datasets.get_path("rail_edges"))
    assert prov["versions"]["pandas"] == pd.__version__
    assert dt.datetime.fromisoformat(prov["started"]) <= dt.datetime.fromisoformat(prov["finished"])


def test_report_is_byte_identical_across_runs(tmp_path, monkeypatch):
    from jilin_spatial.report import build_report, jilin_regions

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    regions = jilin_regions(("prefecture",))
    runs = []
    for hour in (1, 22):  # same day, different times
        t = dt.datetime(2024, 5, 1, hour, 7, 9, tzinfo=dt.timezone.utc)
        monkeypatch.setattr(export, "_now", lambda t=t: t, raising=False)
        runs.append(build_report(tmp_path / f"r{hour}", regions=regions).out)
    a, b = runs
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    compared = [f for f in files if f != "provenance.json"]  # map.html too: its element ids are stable
    assert {"layers.gpkg", "summary.md", "map.html", MANIFEST_NAME} <= set(compared)
    assert any(f.endswith(".png") for f in compared)
    differ = [f for f in compared if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differ == []
    with sqlite3.connect(a / "layers.gpkg") as con:
        stamps = {r[0] for r in con.execute("select last_change from gpkg_contents")}
    assert stamps == {"2024-05-01T00:00:00.000Z"}
    pa, pb = (json.loads((d / "provenance.json").read_text()) for d in (a, b))
    assert (pa["started"], pb["started"]) == ("2024-05-01T01:07:09+00:00", "2024-05-01T22:07:09+00:00")
    assert pa["seeds"] == {"moran": 12345, "local_moran": 12345} and pa["job"] == "report"
    emp = str(datasets.get_path("employment"))
    assert {i["path"]: i["sha256"] for i in pa["inputs"]}[emp] == _sha(datasets.get_path("employment"))
    summary = (a / "summary.md").read_text(encoding="utf-8")
    assert "provenance.json" in summary and "2024" not in summary.split("\n## ")[0]
