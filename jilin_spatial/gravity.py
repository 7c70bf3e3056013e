"""Gravity-model economic ties (经济联系强度) and the tie network (``methods.md`` §3).

R_ij = k * sqrt(P_i G_i) * sqrt(P_j G_j) / D_ij^b, with masses P (e.g. GDP)
and G (urban or non-agricultural population) and distance D (rail km,
travel minutes or great-circle km) named by the caller; b = 2, k = 1 by
default.  The diagonal is excluded.  Link membership F_ij = R_ij / sum_{j!=i}
R_ij; total strength R_i = sum_j R_ij.  The asymmetric option multiplies by
k_ij = G_i / (G_i + G_j).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["gravity_ties", "tie_network", "tie_centrality", "default_masses"]


def gravity_ties(masses: pd.DataFrame, distance: pd.DataFrame, *, mass_cols=("P", "G"), b: float = 2.0,
                 k: float = 1.0, asymmetric: bool = False, distance_unit: str = "rail_km") -> pd.DataFrame:
    """Gravity ties between every ordered pair of regions.

    Parameters
    ----------
    masses : pandas.DataFrame
        Indexed by region id, with the two mass columns ``mass_cols``
        (P, G).  Pass the same column twice for a single mass.
    distance : pandas.DataFrame
        Square matrix (ids on rows and columns) in ``distance_unit``.
    b : float
        Distance-decay exponent (2 by default).
    k : float
        Gravity constant (1).
    asymmetric : bool
        Multiply R_ij by k_ij = G_i / (G_i + G_j) (directed ties).

    Returns
    -------
    pandas.DataFrame
        ``from, to, distance, distance_unit, R, F`` for i != j, plus
        ``R_total_from`` (R_i).

    Raises
    ------
    InputError
        Missing or non-positive masses, ids not matching, missing or
        non-positive distances.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"P": [1.0, 4.0], "G": [1.0, 1.0]}, index=["a", "b"])
    >>> D = pd.DataFrame([[0, 2.0], [2.0, 0]], index=["a", "b"], columns=["a", "b"])
    >>> gravity_ties(m, D)["R"].tolist()
    [0.5, 0.5]
    """
    p, g = mass_cols
    for c in (p, g):
        if c not in masses.columns:
            raise InputError("mass_cols", "columns of masses", repr(c), f"choose from {list(masses.columns)}")
    ids = [str(i) for i in masses.index]
    M = masses.copy()
    M.index = ids
    bad = M[[p, g]].isna().any(axis=1) | (M[[p, g]] <= 0).any(axis=1)
    if bad.any():
        raise InputError("masses", "positive masses for every region", f"missing or <= 0 for {list(M.index[bad])}",
                         "supply the data or drop those regions explicitly (never filled)")
    D = distance.copy()
    D.index = [str(i) for i in D.index]
    D.columns = [str(c) for c in D.columns]
    miss = sorted(set(ids) - set(D.index)) + sorted(set(ids) - set(D.columns))
    if miss:
        raise InputError("distance", "a row and column for every region of masses", f"missing {sorted(set(miss))}",
                         "compute the distances for those regions")
    D = D.loc[ids, ids].to_numpy(float)
    off = ~np.eye(len(ids), dtype=bool)
    if np.isnan(D[off]).any() or (D[off] <= 0).any():
        raise InputError("distance", "positive distances between distinct regions", "missing, zero or negative",
                         "unreachable pairs have no tie: fix the network or drop the regions")
    if b < 0:
        raise InputError("b", "a non-negative distance-decay exponent", repr(b), "use b=2")
    mass = np.sqrt(M[p].to_numpy(float) * M[g].to_numpy(float))
    with np.errstate(divide="ignore"):
        R = k * np.outer(mass, mass) / np.where(off, D, 1.0) ** b
    if asymmetric:
        G = M[g].to_numpy(float)
        R = R * (G[:, None] / (G[:, None] + G[None, :]))
    R = np.where(off, R, 0.0)
    Ri = R.sum(axis=1)
    F = R / Ri[:, None]
    ii, jj = np.nonzero(off)
    return pd.DataFrame({"from": np.array(ids)[ii], "to": np.array(ids)[jj], "distance": D[ii, jj],
                         "distance_unit": distance_unit, "R": R[ii, jj], "F": F[ii, jj], "R_total_from": Ri[ii],
                         "b": b, "k": k, "asymmetric": asymmetric})


def tie_network(ties: pd.DataFrame):
    """An undirected networkx graph of ties (R summed over both directions when asymmetric).

    Edges carry ``R``, ``F_max`` and ``length = 1 / R`` (for betweenness:
    strong ties are short; never use R itself as a length).
    """
    import networkx as nx

    G = nx.Graph()
    t = ties.copy()
    t["a"] = np.where(t["from"] < t["to"], t["from"], t["to"])
    t["b"] = np.where(t["from"] < t["to"], t["to"], t["from"])
    agg = t.groupby(["a", "b"]).agg(R=("R", "max" if not ties["asymmetric"].any() else "sum"), F_max=("F", "max"))
    for (a, b), r in agg.iterrows():
        G.add_edge(a, b, R=float(r.R), F_max=float(r.F_max), length=1.0 / float(r.R))
    return G


def tie_centrality(ties: pd.DataFrame, *, seed: int = 12345) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Strength, PageRank, betweenness (length 1/R), communities and the MST backbone.

    Returns
    -------
    (nodes, edges) : DataFrames
        nodes: ``adcode, strength, pagerank, betweenness, community``;
        edges: ``a, b, R, backbone`` (maximum spanning tree on R).
    """
    import networkx as nx

    G = tie_network(ties)
    strength = dict(G.degree(weight="R"))
    pr = nx.pagerank(G, weight="R")
    bt = nx.betweenness_centrality(G, weight="length", normalized=True)
    comms = nx.community.louvain_communities(G, weight="R", seed=seed)
    comm = {n: i + 1 for i, c in enumerate(sorted(comms, key=lambda c: -len(c))) for n in c}
    mst = nx.maximum_spanning_tree(G, weight="R")
    nodes = pd.DataFrame({"adcode": list(G.nodes)})
    nodes["strength"] = nodes.adcode.map(strength)
    nodes["pagerank"] = nodes.adcode.map(pr)
    nodes["betweenness"] = nodes.adcode.map(bt)
    nodes["community"] = nodes.adcode.map(comm)
    edges = pd.DataFrame([{"a": a, "b": b, "R": d["R"], "backbone": mst.has_edge(a, b)} for a, b, d in G.edges(data=True)])
    return nodes.sort_values("strength", ascending=False).reset_index(drop=True), edges


def default_masses() -> pd.DataFrame:
    """Default Jilin masses: census 2020 urban population (G) and first-half 2025 GDP (P).

    GDP: the only all-prefecture cross-section shipped (secondary,
    unverified; Tonghua excludes Meihekou and the Changbai Mountain zone is
    separate, so those are *not* added).  Mixed vintages are stated in every
    output that uses them.
    """
    from . import datasets

    hc = datasets.load_human_capital(years=[2020], wide=True).set_index("adcode")
    gdp = datasets.load_gdp()
    gdp = gdp[gdp.is_prefecture].set_index("adcode")
    out = pd.DataFrame({"G": hc["urban_pop"], "P": gdp["gdp"]})
    out["name_en"] = hc["name_en"]
    out.attrs["note"] = ("G = census 2020 urban population (persons); P = GDP first half 2025, 100M CNY, "
                         "secondary aggregator, unverified; Tonghua excludes Meihekou.")
    return out
