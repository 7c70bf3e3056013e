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

from ._errors import InputError, InputTypeError
from .autocorrelation import _check_seed

__all__ = ["gravity_ties", "tie_network", "tie_centrality"]


def gravity_ties(masses: pd.DataFrame, distance: pd.DataFrame, *, mass_cols=("P", "G"), b: float = 2.0,
                 k: float = 1.0, asymmetric: bool = False, distance_unit: str = "rail_km") -> pd.DataFrame:
    """Gravity ties between every ordered pair of regions.

    Parameters
    ----------
    masses : pandas.DataFrame
        Indexed by region id, with the two mass columns ``mass_cols``
        (P, G).  Pass the same column twice for a single mass.
    distance : pandas.DataFrame
        Square matrix (ids on rows and columns) in ``distance_unit``, numbers
        only (a cell such as '2km' raises).
    mass_cols : pair of str
        The two mass columns (P, G).
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
    fix = "pass mass_cols=('GDP', 'population'); for a single mass pass its column twice"
    if isinstance(mass_cols, (str, bytes)) or not isinstance(mass_cols, (list, tuple)):
        got = f"the string {mass_cols!r}" if isinstance(mass_cols, (str, bytes)) else type(mass_cols).__name__
        raise InputTypeError("mass_cols", "a pair of column names (P, G)", got, fix)
    if len(mass_cols) != 2:
        raise InputError("mass_cols", "two column names (P, G)", f"{len(mass_cols)} names {list(mass_cols)}", fix)
    p, g = mass_cols
    for c in (p, g):
        if c not in masses.columns:
            raise InputError("mass_cols", "columns of masses", repr(c), f"choose from {list(masses.columns)}")
    ids = [str(i) for i in masses.index]
    M = masses.copy()
    M.index = ids
    vals = M[[p, g]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    inf = np.isinf(vals).any(axis=1)
    if inf.any():
        raise InputError("masses", f"finite masses in {[p, g]}",
                         f"inf/-inf for {int(inf.sum())} regions {list(M.index[inf])[:5]}",
                         "fix them at the source (an upstream division by zero or overflow)")
    bad = np.isnan(vals).any(axis=1) | (vals <= 0).any(axis=1)
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
    D = D.loc[ids, ids]
    num = D.apply(pd.to_numeric, errors="coerce")
    text = num.isna() & D.notna()
    if text.to_numpy().any():
        rr, cc = np.nonzero(text.to_numpy())
        ex = [(ids[i], ids[j], D.iat[i, j]) for i, j in zip(rr, cc)][:3]
        raise InputError("distance", "numeric distances (a number of km or minutes in every cell)",
                         f"{len(rr)} non-numeric cells, e.g. {ex}",
                         f"strip units and text from the matrix (numbers in {distance_unit}), e.g. "
                         "distance.replace('km', '', regex=True).astype(float)")
    D = num.to_numpy(float)
    off = ~np.eye(len(ids), dtype=bool)
    bad = off & ~(np.isfinite(D) & (D > 0))
    if bad.any():
        ii, jj = np.nonzero(bad)
        pairs = [(ids[i], ids[j]) for i, j in zip(ii, jj)]
        raise InputError("distance", "finite positive distances between distinct regions",
                         f"missing, infinite, zero or negative for {len(pairs)} pairs, e.g. {pairs[:3]}",
                         "unreachable pairs have no tie: fix the network or drop the regions")
    for name, x, fix in (("b", b, "use b=2"), ("k", k, "use k=1")):
        if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
            raise InputTypeError(name, "a number", f"{type(x).__name__} {x!r}", fix)
    if not (np.isfinite(b) and b >= 0):
        raise InputError("b", "a finite non-negative distance-decay exponent", repr(b), "use b=2")
    if not (np.isfinite(k) and k > 0):
        raise InputError("k", "a finite positive gravity constant", repr(k), "use k=1")
    # Overflow-safe: sqrt(P) sqrt(G) instead of sqrt(P G), each mass divided by the largest, and the
    # squared largest mass divided by D^b before it is multiplied back, so that masses or distances near
    # 1e308 give the right R whenever R itself is representable.
    P_, G_ = M[p].to_numpy(float), M[g].to_numpy(float)
    mass = np.sqrt(P_) * np.sqrt(G_)
    top = mass.max()
    rel = mass / top
    Dd = np.where(off, D, 1.0)
    with np.errstate(over="ignore", under="ignore"):
        R = k * np.outer(rel, rel) * (top / Dd ** (b / 2)) ** 2
    if asymmetric:
        Gs = G_ / G_.max()
        R = R * (Gs[:, None] / (Gs[:, None] + Gs[None, :]))
    R = np.where(off, R, 0.0)
    over = ~np.isfinite(R)
    if over.any():
        pairs = [(ids[i], ids[j]) for i, j in zip(*np.nonzero(over))]
        raise InputError("masses", "masses and distances whose ties R fit in float64 (<= 1.8e308)",
                         f"R beyond float range for {len(pairs)} pairs, e.g. {pairs[:3]}",
                         "express the masses in larger units (e.g. 10k persons, 100M CNY); F is unit-free")
    Rmax = R.max(axis=1, keepdims=True)
    Rrel = R / np.where(Rmax > 0, Rmax, 1.0)  # F = R / sum R is scale-free: sum the row divided by its max
    srel = Rrel.sum(axis=1)
    with np.errstate(over="ignore"):
        Ri = srel * Rmax[:, 0]
    if not np.isfinite(Ri).all():
        raise InputError("masses", "total tie strengths R_i that fit in float64 (<= 1.8e308)",
                         f"R_i beyond float range for {[ids[i] for i in np.nonzero(~np.isfinite(Ri))[0]][:5]}",
                         "express the masses in larger units (e.g. 10k persons, 100M CNY); F is unit-free")
    zero = srel == 0
    if zero.any():
        raise InputError("masses", "ties with R > 0 from every region",
                         f"every R underflows to 0 for {[ids[i] for i in np.nonzero(zero)[0]][:5]}",
                         "express the masses in smaller units or the distances in larger ones (e.g. km, not m)")
    F = Rrel / srel[:, None]
    ii, jj = np.nonzero(off)
    return pd.DataFrame({"from": np.array(ids)[ii], "to": np.array(ids)[jj], "distance": D[ii, jj],
                         "distance_unit": distance_unit, "R": R[ii, jj], "F": F[ii, jj], "R_total_from": Ri[ii],
                         "b": b, "k": k, "asymmetric": asymmetric})


ZERO_TIE = "zero tie (R = 0): no connection; left out of betweenness, communities and the backbone"


def tie_network(ties: pd.DataFrame):
    """An undirected networkx graph of ties (R summed over both directions when asymmetric).

    Edges carry ``R``, ``F_max`` and ``length = 1 / R`` (for betweenness:
    strong ties are short; never use R itself as a length).  A pair whose R
    is 0 has no connection: it gets no edge (its length would be infinite),
    its regions stay in the graph as nodes, and the pair is listed in
    ``G.graph["excluded_ties"]`` as ``(a, b, reason)``.

    Raises
    ------
    InputError
        R missing, negative or infinite.
    """
    import networkx as nx

    R = pd.to_numeric(ties["R"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(R) | (R < 0)
    if bad.any():
        ex = ties.loc[bad, ["from", "to", "R"]].head(3).to_dict("records")
        raise InputError("ties", "finite non-negative R for every pair", f"{int(bad.sum())} missing, negative or "
                         f"infinite, e.g. {ex}", "recompute them with gravity_ties, or drop those pairs explicitly")
    G = nx.Graph(excluded_ties=[])
    t = ties.copy()
    t["a"] = np.where(t["from"] < t["to"], t["from"], t["to"])
    t["b"] = np.where(t["from"] < t["to"], t["to"], t["from"])
    G.add_nodes_from(pd.unique(pd.concat([t["a"], t["b"]])))
    agg = t.groupby(["a", "b"]).agg(R=("R", "max" if not ties["asymmetric"].any() else "sum"), F_max=("F", "max"))
    for (a, b), r in agg.iterrows():
        if float(r.R) == 0.0:
            G.graph["excluded_ties"].append((a, b, ZERO_TIE))
            continue
        G.add_edge(a, b, R=float(r.R), F_max=float(r.F_max), length=1.0 / float(r.R))
    return G


def tie_centrality(ties: pd.DataFrame, *, seed: int = 12345) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Strength, PageRank, betweenness (length 1/R), communities and the MST backbone.

    Returns
    -------
    (nodes, edges) : DataFrames
        nodes: ``adcode, strength, pagerank, betweenness, community``;
        edges: ``a, b, R, backbone`` (maximum spanning tree on R) and
        ``mask_reason``: '' for a tie in the network, the reason for a
        pair with R = 0, which is listed (``backbone`` False) but carries no
        connection, so it takes no part in betweenness (length 1/R would be
        infinite), communities or the backbone; a region with only such
        pairs is an isolated node (strength 0, betweenness 0, a community
        of its own).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"from": ["a", "a", "b"], "to": ["b", "c", "c"], "R": [2.0, 0.0, 1.0],
    ...                   "F": [1.0, 0.0, 1.0], "asymmetric": False})
    >>> nodes, edges = tie_centrality(t)
    >>> edges[["from", "to", "R", "backbone"]].values.tolist()
    [['a', 'b', 2.0, True], ['b', 'c', 1.0, True], ['a', 'c', 0.0, False]]
    >>> float(nodes.set_index("adcode").betweenness["b"])
    1.0
    """
    import networkx as nx

    seed = _check_seed(seed)
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
    rows = [{"from": a, "to": b, "R": d["R"], "backbone": mst.has_edge(a, b), "mask_reason": ""}
            for a, b, d in G.edges(data=True)]
    rows += [{"from": a, "to": b, "R": 0.0, "backbone": False, "mask_reason": why}
             for a, b, why in G.graph["excluded_ties"]]
    edges = pd.DataFrame(rows, columns=["from", "to", "R", "backbone", "mask_reason"])
    return nodes.sort_values("strength", ascending=False).reset_index(drop=True), edges
