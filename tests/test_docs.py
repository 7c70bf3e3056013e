"""Documentation checks: every ``methods.md`` citation resolves, key topics have a
section, the package licence is in place and every shipped data file is documented.

Citation pattern
----------------
The files scanned are ``jilin_spatial/**/*.py``, ``README.md`` and ``examples/*.py``
(:data:`SCANNED`).  In them a citation of ``docs/methods.md`` is any of:

1. **Section form** -- ``§`` followed by a dotted section number, e.g. ``§4``,
   ``§6.1``, ``§ 6.1.2``; several may follow one ``methods.md`` (``methods.md §3, §5``).
   Every ``§N[.N...]`` in a scanned file counts, with or without ``methods.md`` on the
   same line (the project has no other numbered document).  It resolves when
   ``docs/methods.md`` has a heading numbered exactly ``N[.N...]``
   (``## 4. Spatial autocorrelation``, ``### 4.2 Global Moran's I``).  ``§1.10`` does not
   resolve to ``1.1``.  A trailing full stop (``§6.1.``) ends the number.
2. **Named form** -- ``methods.md`` (optionally in backticks), a comma and a topic name,
   e.g. ``methods.md, Moran`` or ````methods.md``, Geary``.  The name runs up to the next
   ``. , ; : ( ) "`` or backtick or the end of the line.  It resolves when the text of
   some heading contains the name (case-insensitive, typographic apostrophes and dashes
   normalised).
3. **Bare form** -- ``methods.md`` with neither: a citation of the whole page, which
   resolves when ``docs/methods.md`` exists.

:func:`find_citations` and :func:`unresolved` implement this; the tests at the bottom of
the "citations" block run them on fake strings so that a broken pattern cannot pass
silently.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "docs" / "methods.md"
SCANNED = ("jilin_spatial/**/*.py", "README.md", "examples/*.py")

SECTION_RE = re.compile(r"§\s*(\d+(?:\.\d+)*)")
NAMED_RE = re.compile(r"methods\.md`{0,2}\s*,\s*(?P<name>[^.,;:()\"`\n]+)")
BARE_RE = re.compile(r"methods\.md")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?:(?P<num>\d+(?:\.\d+)*)\.?\s+)?(?P<title>.+?)\s*$")


@dataclass(frozen=True)
class Citation:
    kind: str  # "section", "named" or "bare"
    target: str  # section number, topic name, or "" for bare
    where: str  # file:line


@dataclass(frozen=True)
class Heading:
    level: int
    number: str | None
    title: str
    line: int


def _norm(s: str) -> str:
    return (s.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
            .strip().lower())


def find_citations(text: str, source: str = "<string>") -> list[Citation]:
    """All citations of docs/methods.md in ``text`` (see the module docstring)."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        where = f"{source}:{i}"
        sections = SECTION_RE.findall(line)
        out += [Citation("section", n, where) for n in sections]
        named = [m.group("name").strip() for m in NAMED_RE.finditer(line)]
        out += [Citation("named", n, where) for n in named if n]
        if BARE_RE.search(line) and not sections and not named:
            out.append(Citation("bare", "", where))
    return out


def parse_headings(markdown: str) -> list[Heading]:
    heads, in_code = [], False
    for i, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        m = None if in_code else HEADING_RE.match(line)
        if m:
            heads.append(Heading(len(m.group("hashes")), m.group("num"), m.group("title"), i))
    return heads


def unresolved(citations: list[Citation], headings: list[Heading], *, page_exists: bool = True) -> list[Citation]:
    numbers = {h.number for h in headings if h.number}
    titles = [_norm(h.title) for h in headings]
    bad = []
    for c in citations:
        if c.kind == "section":
            ok = c.target in numbers
        elif c.kind == "named":
            ok = any(_norm(c.target) in t for t in titles)
        else:
            ok = page_exists
        if not ok:
            bad.append(c)
    return bad


def section_text(markdown: str, heading: Heading) -> str:
    """Text of a section: from its heading to the next heading of the same or a higher level."""
    lines = markdown.splitlines()
    end = len(lines)
    for h in parse_headings(markdown):
        if h.line > heading.line and h.level <= heading.level:
            end = h.line - 1
            break
    return "\n".join(lines[heading.line - 1:end])


def scanned_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in SCANNED:
        files.update(p for p in ROOT.glob(pattern) if p.is_file())
    return sorted(files)


def repo_citations() -> list[Citation]:
    cites = []
    for p in scanned_files():
        cites += find_citations(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    return cites


@pytest.fixture(scope="module")
def methods_text() -> str:
    assert METHODS.is_file(), f"{METHODS.relative_to(ROOT)} is missing: the code cites it"
    return METHODS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def headings(methods_text) -> list[Heading]:
    return parse_headings(methods_text)


# ------------------------------------------------------------------ citations


def test_every_citation_in_the_code_resolves():
    # no fixture: a missing page must fail here listing every citation, not error out
    exists = METHODS.is_file()
    headings = parse_headings(METHODS.read_text(encoding="utf-8")) if exists else []
    cites = repo_citations()
    bad = unresolved(cites, headings, page_exists=exists)
    assert not bad, "unresolved methods.md citations:\n" + "\n".join(
        f"  {c.where}: {c.kind} {c.target!r}" for c in bad)


def test_the_scan_finds_the_known_citations():
    # guards the scanner itself: these citations exist in the code today
    cites = repo_citations()
    found = {(c.where.split(":")[0], c.target) for c in cites if c.kind == "section"}
    for expected in [("jilin_spatial/concentration.py", "1.2"), ("jilin_spatial/coupling.py", "2.1"),
                     ("jilin_spatial/econometrics.py", "6.2"), ("jilin_spatial/network.py", "3"),
                     ("jilin_spatial/network.py", "5"), ("README.md", "4")]:
        assert expected in found, f"scanner missed {expected}"
    assert len([c for c in cites if c.kind == "section"]) >= 18
    assert any(Path(c.where.split(":")[0]).parts[0] == "README.md" for c in cites)


def test_checker_on_fake_strings(headings):
    text = "\n".join([
        "Steps (``methods.md`` §2.1):",             # resolves
        "See `methods.md` §3, §5 and §9.9.",        # 3 and 5 resolve, 9.9 does not
        "a stray §1.10 reference",                  # 1.10 is not 1.1
        "details in methods.md, Moran",             # named, resolves (Moran's I)
        "details in ``methods.md``, Kriging.",      # named, no such heading
        "see methods.md for the formulas",          # bare
    ])
    cites = find_citations(text, "fake.py")
    assert [(c.kind, c.target) for c in cites] == [
        ("section", "2.1"), ("section", "3"), ("section", "5"), ("section", "9.9"), ("section", "1.10"),
        ("named", "Moran"), ("named", "Kriging"), ("bare", "")]
    bad = unresolved(cites, headings)
    assert [(c.target, c.where) for c in bad] == [("9.9", "fake.py:2"), ("1.10", "fake.py:3"),
                                                  ("Kriging", "fake.py:5")]
    # a bare citation fails when the page is missing
    assert [c.kind for c in unresolved(cites, headings, page_exists=False)] == \
        ["section", "section", "named", "bare"]


def test_checker_with_no_headings_rejects_everything():
    cites = find_citations("``methods.md`` §1.1\nmethods.md, Geary")
    assert len(unresolved(cites, [])) == 2


def test_heading_numbers_are_unique(headings):
    nums = [h.number for h in headings if h.number]
    dup = sorted({n for n in nums if nums.count(n) > 1})
    assert not dup, f"duplicate section numbers {dup}"
    # subsections sit under their parent: 4.2 needs a 4, 6.1.3 a 6.1
    missing = sorted({n.rsplit(".", 1)[0] for n in nums if "." in n} - set(nums))
    assert not missing, f"subsections without a parent section: {missing}"


# ------------------------------------------------------------------ key topics

#: (heading regex, terms that must appear in that section, case-insensitive)
KEY_TOPICS = [
    (r"location quotient", ["mask_reason", "reference", "non_agricultural", "producer_services"]),
    (r"agglomeration index", ["factor", "rate", "formative", "growing", "mature", "declining"]),
    (r"similarity", ["UNIDO", "Krugman", "n_sectors"]),
    (r"co-agglomeration", ["CA = 1 - |LQ_m - LQ_s|", "CA*"]),
    (r"entropy weight", ["epsilon", "ln p_ij", "constant indicator"]),
    (r"coupling degree c", ["standard", "corrected", "Wang Shujia", "D = sqrt(C T)"]),
    (r"classes of d", ["极度失调", "优质协调", "0.4", "0.7", "lagging"]),
    (r"spatial weights", ["queen", "rook", "knn", "distance_band", "inverse_distance", "kernel", '"r"', '"b"',
                          '"v"', "threshold_km", "bandwidth_min", "original weights", "islands"]),
    (r"moran's i", ["one-sided", "two-sided", "exact", "p_sim", "p_norm"]),
    (r"geary", ["one-sided", "E[C] = 1"]),
    (r"getis-ord global g", ["binary", "one-sided"]),
    (r"local moran", ["conditional permutation", "one-sided", "HH", "LL"]),
    (r"gi\*", ["binary", "non-row-standardised", "row-standardised", "one-sided", "hot"]),
    (r"minimum attainable p", ["C(n-1, k)", "0.125"]),
    (r"false discovery", ["Benjamini", "p_fdr"]),
    (r"rail graph", ["km post", "220", "90", "access_min", "detour"]),
    (r"travel times", ["dijkstra", "unreachable"]),
    (r"gravity model", ["D_ij^b", "b=2", "F_ij", "asymmetric"]),
    (r"economic circles", ["coverage", "inclusive"]),
    (r"scenarios", ["add_links", "travel minutes"]),
    (r"malmquist", ["DEAP", "CRS", "VRS", "effch", "techch", "pech", "sech", "tfpch", "geometric"]),
    (r"capital stock", ["perpetual inventory", "0.096", "steady"]),
    (r"panel regressions", ["fixed effects", "IV-2SLS", "IV-GMM", "first-stage", "Kleibergen-Paap rk LM",
                            "rk Wald F", "Hansen J", "Wu-Hausman"]),
]


@pytest.mark.parametrize("pattern,terms", KEY_TOPICS, ids=[k[0] for k in KEY_TOPICS])
def test_key_topic_has_a_section(methods_text, headings, pattern, terms):
    hits = [h for h in headings if re.search(pattern, _norm(h.title))]
    assert hits, f"no heading matching {pattern!r} in docs/methods.md"
    body = _norm(section_text(methods_text, hits[0]))
    missing = [t for t in terms if _norm(t) not in body]
    assert not missing, f"section {hits[0].number} {hits[0].title!r} does not mention {missing}"


def test_section_text_stops_at_the_next_sibling():
    md = "# T\n## 1. A\nalpha\n### 1.1 B\nbeta\n## 2. C\ngamma\n"
    h = parse_headings(md)
    assert [(x.number, x.title) for x in h] == [(None, "T"), ("1", "A"), ("1.1", "B"), ("2", "C")]
    assert "beta" in section_text(md, h[1]) and "gamma" not in section_text(md, h[1])
    assert section_text(md, h[2]).splitlines() == ["### 1.1 B", "beta"]


# ------------------------------------------------------------------ licences


def test_license_file_is_mit_with_the_project_copyright():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the jilin_spatial developers" in text
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_setup_cfg_declares_the_license_file():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    assert cfg["metadata"]["license"] == "MIT"
    assert cfg["metadata"]["license_files"].split() == ["LICENSE"]


_DATA_EXT = {".csv", ".geojson", ".js", ".css", ".json", ".gpkg", ".xlsx"}


@pytest.mark.parametrize("folder", ["boundaries", "jilin_spatial/data", "jilin_spatial/assets"])
def test_every_shipped_data_file_is_documented_beside_it(folder):
    """Each data file appears in its folder's README (which states source and licence),
    and every licence file the README names exists."""
    base = ROOT / folder
    readme = (base / "README.md").read_text(encoding="utf-8")
    files = [p for p in base.rglob("*") if p.is_file() and p.suffix in _DATA_EXT]
    assert files
    undocumented = [str(p.relative_to(base)) for p in files
                    if p.relative_to(base).as_posix() not in readme and p.name not in readme]
    assert not undocumented, f"data files not listed in {folder}/README.md: {undocumented}"
    named = re.findall(r"[\w.\-]*LICEN[CS]E[\w.\-]*\.txt", readme)
    missing = [n for n in named if not list(base.rglob(n))]
    assert not missing, f"licence files named in {folder}/README.md but absent: {missing}"
