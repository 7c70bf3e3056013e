"""Static figures: fonts per figure, no global rcParams change, no warnings or log spam, no-font fallback."""

import logging
import warnings

import matplotlib
import numpy as np
import pytest

from jilin_spatial import datasets, figures
from jilin_spatial._errors import DataNoteWarning


@pytest.fixture(scope="module")
def pref():
    g = datasets.load_boundaries("prefecture")
    g["v"] = np.linspace(-1.5, 2.0, len(g))  # negative values: the legend needs a minus sign
    return g


def test_zh_figure_with_negative_values_has_no_warning_no_log_and_leaves_rcparams(pref, tmp_path, caplog):
    import matplotlib.pyplot  # noqa: F401 - geopandas imports pyplot, which resolves the backend once

    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
            caplog.clear()
            p = figures.choropleth_png(pref, "v", tmp_path / "f.png", title="LQ 制造业", unit="z", source="s",
                                       labels="zh" if figures.cjk_font() else "en")
    assert p.stat().st_size > 10_000
    spam = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert spam == [], [r.getMessage() for r in spam]
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_rc_uses_dejavu_and_ascii_minus_and_cjk_only_for_chinese_text():
    rc = figures._rc()
    assert rc["font.family"] == ["DejaVu Sans"] and rc["axes.unicode_minus"] is False
    assert figures._has_cjk("LQ 制造业") and not figures._has_cjk("LQ -1.5 (manufacturing)")


def test_no_cjk_font_falls_back_to_english_with_a_warning(pref, tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    with pytest.warns(DataNoteWarning, match="no CJK font installed .* labels fall back to English"):
        figures.choropleth_png(pref, "v", tmp_path / "g.png", title="t", labels="zh", source="s")
    assert (tmp_path / "g.png").stat().st_size > 10_000


def test_cjk_font_detection_follows_the_font_list(monkeypatch):
    from matplotlib import font_manager

    class F:
        def __init__(self, name):
            self.name = name

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [F("DejaVu Sans"), F("Noto Sans CJK SC")])
    assert figures.cjk_font() == "Noto Sans CJK SC"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [F("DejaVu Sans")])
    assert figures.cjk_font() is None
