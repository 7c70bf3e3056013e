import os

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

# shared tolerances
RTOL = 1e-9
ATOL = 1e-12
SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture
def grid3():
    """Three unit squares in a row, EPSG:3857 (projected), ids a,b,c."""
    return gpd.GeoDataFrame({"rid": ["a", "b", "c"]},
                            geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:3857")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
