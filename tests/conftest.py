import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

# shared tolerances
RTOL = 1e-9
ATOL = 1e-12


@pytest.fixture(scope="session")
def jilin_report(tmp_path_factory):
    """The default Jilin report, built once per session through the CLI: (output folder, its parent, exit code)."""
    from jilin_spatial import cli

    parent = tmp_path_factory.mktemp("report")
    out = parent / "rep"
    rc = cli.main(["report", "--out", str(out)])
    return out, parent, rc


@pytest.fixture
def grid3():
    """Three unit squares in a row, EPSG:3857 (projected), ids a,b,c."""
    return gpd.GeoDataFrame({"rid": ["a", "b", "c"]},
                            geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:3857")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
