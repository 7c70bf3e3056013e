"""The algorithms: each reads its layers, calls the package's public API and writes what it returns.

Ids: ``jilinspatial:locationquotients``, ``coagglomeration``, ``similarity``, ``couplingcoordination``,
``autocorrelation``, ``gravityties``, ``economiccircles``.
"""

import os

from qgis.core import (QgsProcessing, QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingParameterBoolean,
                       QgsProcessingParameterEnum, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterNumber, QgsProcessingParameterString, QgsWkbTypes)
from qgis.PyQt.QtGui import QIcon

from .bridge import (Canceled, package_call, source_frame, step, style_on_load, temp_dir, write_sink,
                     write_temp)

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")
DOCS = "https://example.org/jilin_spatial/docs/qgis.md"

REFERENCES = ["panel", "rest"]
DENOMINATORS = ["all", "non_agricultural"]
FORMS = ["long", "wide"]
MISMATCH = ["raise", "warn"]
WEIGHTS = ["queen", "rook", "knn", "distance_band"]
SCALING = ["global", "per_group"]
SIM_SECTORS = ["all", "non_agricultural"]


def _t(en, zh):
    """A bilingual label: English / 中文."""
    return f"{en} / {zh}"


class _Base(QgsProcessingAlgorithm):
    NAME = ""
    LABEL = ("", "")
    HELP = ("", "")
    #: (package call, method docs) shown in the help
    CALLS = ""

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802
        return _t(*self.LABEL)

    def group(self):
        return _t("Regional economy", "区域经济")

    def groupId(self):  # noqa: N802
        return "regionaleconomy"

    def icon(self):
        return QIcon(ICON)

    def shortHelpString(self):  # noqa: N802
        en, zh = self.HELP
        return (f"{en}\n\nPackage API: {self.CALLS}. Errors from the package are shown with its message; "
                f"progress is reported and Cancel stops between steps.\n\n{zh}")

    def helpUrl(self):  # noqa: N802
        return DOCS

    def createInstance(self):  # noqa: N802
        return type(self)()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        try:
            with package_call(feedback):
                return self.compute(parameters, context, feedback)
        except Canceled:
            feedback.pushInfo("cancelled / 已取消")
            return {}

    # shared parameters -------------------------------------------------------------------------
    def _enum(self, name, en, zh, options, default=0):
        self.addParameter(QgsProcessingParameterEnum(name, _t(en, zh), options=options, defaultValue=default))

    def _employment_parameters(self):
        self.addParameter(QgsProcessingParameterFeatureSource(
            "POLYGONS", _t("Polygons (units)", "面图层（空间单元）"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "POLYGON_ID", _t("Unit id field of the polygons", "面图层单元编号字段"), parentLayerParameterName="POLYGONS"))
        self.addParameter(QgsProcessingParameterField(
            "NAME_FIELD", _t("Unit name field (optional)", "单元名称字段（可选）"), parentLayerParameterName="POLYGONS",
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "TABLE", _t("Employment table (layer or CSV)", "就业表（图层或 CSV）"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterField(
            "TABLE_ID", _t("Unit id field of the table", "就业表单元编号字段"), parentLayerParameterName="TABLE"))
        self._enum("FORM", "Table form: long (id, sector, year, value) or wide (one field per sector)",
                   "表格式：长表（编号、行业、年份、数值）或宽表（每行业一列）", FORMS, 0)
        self.addParameter(QgsProcessingParameterNumber(
            "YEAR", _t("Year of a wide table without a year field", "无年份字段宽表的年份"),
            QgsProcessingParameterNumber.Integer, optional=True, minValue=1900, maxValue=2100))
        self._enum("ON_MISMATCH", "Table ids without a polygon: raise, or warn and keep them (not drawn)",
                   "表中无对应面的编号：报错，或警告并保留（不绘制）", MISMATCH, 0)

    def _region(self, parameters, context, feedback):
        """``Region.from_files`` on the two inputs (written to temporary files, which the package reads)."""
        from jilin_spatial import Region

        poly = source_frame(self.parameterAsSource(parameters, "POLYGONS", context), feedback, argument="POLYGONS")
        table = source_frame(self.parameterAsSource(parameters, "TABLE", context), feedback, argument="TABLE",
                             geometry=False)
        folder = temp_dir()
        poly_path = write_temp(poly, folder, "polygons")
        table_path = write_temp(table, folder, "table")
        year = parameters.get("YEAR")
        name = self.parameterAsString(parameters, "NAME_FIELD", context) or None
        return Region.from_files(
            poly_path, id_col=self.parameterAsString(parameters, "TABLE_ID", context),
            poly_id_col=self.parameterAsString(parameters, "POLYGON_ID", context), table=table_path,
            name_col=name, form=FORMS[self.parameterAsEnum(parameters, "FORM", context)],
            year=self.parameterAsInt(parameters, "YEAR", context) if year not in (None, "") else None,
            on_mismatch=MISMATCH[self.parameterAsEnum(parameters, "ON_MISMATCH", context)]), poly.crs

    def _lq_options(self):
        self._enum("REFERENCE", "Reference: all units (panel) or all other units (rest)",
                   "参照：全部单元（panel）或其余单元（rest）", REFERENCES, 0)
        self._enum("DENOMINATOR", "Denominator: all industries or non-agricultural",
                   "分母：全部行业或非农行业", DENOMINATORS, 0)

    def _sink(self, en, zh, kind=QgsProcessing.TypeVectorAnyGeometry):
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", _t(en, zh), kind))


class LocationQuotients(_Base):
    NAME = "locationquotients"
    LABEL = ("Location quotients", "区位熵")
    CALLS = "jilin_spatial.lq_job.run_lq_job (location_quotient, agglomeration_index, stage_table, attach)"
    HELP = ("Location quotients LQ = (e_ij/e_j)/(E_i/E) for every sector and group of the employment table and "
            "every year, joined to the polygons as fields lq_<sector>_<year>; with two or more years the "
            "comparative-advantage stage stage_<sector>; mask_<sector>_<year> gives the reason of a masked "
            "(NULL) LQ. The same layer as `jilin-spatial lq`.",
            "区位熵 LQ = (e_ij/e_j)/(E_i/E)，按行业与年份输出字段 lq_<行业>_<年份>；两个及以上年份时输出比较优势阶段 "
            "stage_<行业>；mask_<行业>_<年份> 说明被屏蔽（空值）的原因。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self._employment_parameters()
        self._lq_options()
        self._sink("Location quotients", "区位熵图层", QgsProcessing.TypeVectorPolygon)

    def compute(self, parameters, context, feedback):
        import pandas as pd
        from jilin_spatial.layers import attach
        from jilin_spatial.lq_job import run_lq_job

        step(feedback, 5, "reading the layers")
        region, _ = self._region(parameters, context, feedback)
        step(feedback, 30, "location quotients, stages, co-agglomeration (jilin_spatial.lq_job.run_lq_job)")
        out = temp_dir()
        polygons = region.units[["adcode", "name_zh", "name_en", "geometry"]]
        notes = run_lq_job(region.employment, polygons, __import__("pathlib").Path(out),
                           reference=REFERENCES[self.parameterAsEnum(parameters, "REFERENCE", context)],
                           denominator=DENOMINATORS[self.parameterAsEnum(parameters, "DENOMINATOR", context)],
                           with_map=False)
        for n in notes:
            feedback.pushInfo(n)
        step(feedback, 80, "joining the mask reasons")
        import geopandas as gpd

        layer = gpd.read_file(os.path.join(out, "layers.gpkg"), layer="lq")
        layer["adcode"] = layer["adcode"].astype(str)
        lq = pd.read_csv(os.path.join(out, "tables", "location_quotients.csv"), dtype={"adcode": str},
                         keep_default_na=False, na_values=[""])
        lq["mask_reason"] = lq["mask_reason"].fillna("")
        layer = attach(layer, lq, value="mask_reason", metric="mask")
        layer = layer.rename(columns={"adcode": region.id_name})
        dest = write_sink(self, parameters, context, "OUTPUT", layer, feedback, wkb_type=QgsWkbTypes.MultiPolygon,
                          crs=_crs4326())
        first = [c for c in layer.columns if c.startswith("lq_")]
        if first:
            years = sorted({c.rsplit("_", 1)[-1] for c in first})
            style_on_load(context, dest, [c for c in first if c.endswith(years[-1])][0])
        return {"OUTPUT": dest}


class CoAgglomeration(_Base):
    NAME = "coagglomeration"
    LABEL = ("Co-agglomeration of manufacturing and producer services", "制造业与生产性服务业协同集聚")
    CALLS = "jilin_spatial.location_quotient + concentration.coagglomeration_table"
    HELP = ("CA = 1 - |LQ_m - LQ_s| / (LQ_m + LQ_s) and CA* = CA + LQ_m + LQ_s for every unit and year, from the "
            "LQs of manufacturing and producer services. Output: a table.",
            "协同集聚指数 CA = 1 - |LQ_m - LQ_s|/(LQ_m + LQ_s) 与 CA* = CA + LQ_m + LQ_s，按单元与年份输出表格。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self._employment_parameters()
        self._lq_options()
        self._sink("Co-agglomeration table", "协同集聚表", QgsProcessing.TypeVector)

    def compute(self, parameters, context, feedback):
        from jilin_spatial import location_quotient
        from jilin_spatial.concentration import coagglomeration_table

        step(feedback, 5, "reading the layers")
        region, _ = self._region(parameters, context, feedback)
        step(feedback, 50, "co-agglomeration")
        lq = location_quotient(region.employment, sectors=["manufacturing", "producer_services"],
                               reference=REFERENCES[self.parameterAsEnum(parameters, "REFERENCE", context)],
                               denominator=DENOMINATORS[self.parameterAsEnum(parameters, "DENOMINATOR", context)])
        co = coagglomeration_table(lq).rename(columns={"adcode": region.id_name})
        return {"OUTPUT": write_sink(self, parameters, context, "OUTPUT", co, feedback)}


class Similarity(_Base):
    NAME = "similarity"
    LABEL = ("UNIDO structural similarity", "产业结构相似系数（UNIDO）")
    CALLS = "jilin_spatial.similarity_coefficient"
    HELP = ("UNIDO similarity S (cosine of the sector shares; 1 = identical structure) and the Krugman index "
            "for every ordered pair of unit-years. Output: a table from, from_year, to, to_year, S, krugman, "
            "n_sectors.",
            "UNIDO 结构相似系数 S（行业份额的余弦，1 为结构相同）与 Krugman 指数，输出每对单元-年份的表格。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self._employment_parameters()
        self._enum("SECTORS", "Sectors: all sections of the table, or the non-agricultural sections",
                   "行业：全部门类或非农门类", SIM_SECTORS, 0)
        self._sink("Similarity table", "相似系数表", QgsProcessing.TypeVector)

    def compute(self, parameters, context, feedback):
        from jilin_spatial import similarity_coefficient

        step(feedback, 5, "reading the layers")
        region, _ = self._region(parameters, context, feedback)
        step(feedback, 50, "similarity")
        choice = SIM_SECTORS[self.parameterAsEnum(parameters, "SECTORS", context)]
        sim = similarity_coefficient(region.employment, sectors=None if choice == "all" else choice)
        return {"OUTPUT": write_sink(self, parameters, context, "OUTPUT", sim, feedback)}


class CouplingCoordination(_Base):
    NAME = "couplingcoordination"
    LABEL = ("Coupling coordination degree", "耦合协调度")
    CALLS = "jilin_spatial.coupling_from_indicators (entropy weights, C, T, D, classes)"
    HELP = ("Entropy-weighted subsystem indices U_<subsystem>, coupling degree C, development index T, "
            "coordination degree D = sqrt(C T) and its ten classes (class_zh, class_en) for every feature of an "
            "indicator table or layer. The indicator system is a table subsystem, indicator, direction "
            "(positive/negative); default: the package's system. Features keep their geometry.",
            "熵权法子系统指数 U、耦合度 C、综合发展指数 T、耦合协调度 D = sqrt(C T) 及十级分类。指标体系为表"
            "（subsystem、indicator、direction），默认使用本包的指标体系。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", _t("Indicator table or layer", "指标表或图层"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SYSTEM", _t("Indicator system (subsystem, indicator, direction; optional)",
                         "指标体系（subsystem、indicator、direction；可选）"), [QgsProcessing.TypeVector],
            optional=True))
        self._enum("SCALING", "Min-max scaling: over all rows (global) or within groups (per_group)",
                   "极差标准化：全部行（global）或分组（per_group）", SCALING, 0)
        self.addParameter(QgsProcessingParameterField(
            "GROUP_FIELD", _t("Group field for per_group scaling (e.g. year)", "分组字段（如年份）"),
            parentLayerParameterName="INPUT", optional=True))
        self._sink("Coupling coordination", "耦合协调度")

    def compute(self, parameters, context, feedback):
        import pandas as pd
        from jilin_spatial import coupling_from_indicators, datasets

        src = self.parameterAsSource(parameters, "INPUT", context)
        has_geom = src is not None and src.wkbType() not in (QgsWkbTypes.NoGeometry, QgsWkbTypes.Unknown)
        step(feedback, 5, "reading the indicators")
        data = source_frame(src, feedback, argument="INPUT", geometry=has_geom)
        sys_src = self.parameterAsSource(parameters, "SYSTEM", context)
        system = (source_frame(sys_src, feedback, argument="SYSTEM", geometry=False) if sys_src is not None
                  else pd.read_csv(datasets.get_path("coupling_system_default")))
        scaling = SCALING[self.parameterAsEnum(parameters, "SCALING", context)]
        group = self.parameterAsString(parameters, "GROUP_FIELD", context)
        step(feedback, 40, "entropy weights and coupling coordination")
        res, weights = coupling_from_indicators(data, system, scaling=scaling,
                                                groups=data[group] if group else None)
        for r in weights.itertuples():
            feedback.pushInfo(f"weight {r.subsystem}/{r.indicator}: {r.weight:.4f}")
        clash = [c for c in res.columns if c in data.columns]
        if clash:
            raise QgsProcessingException(f"INPUT: expected no fields named like the results, got {clash}. "
                                         "Fix: rename those fields of the input.")
        out = pd.concat([data, res], axis=1)
        if has_geom:
            out = out.set_geometry("geometry")
        dest = write_sink(self, parameters, context, "OUTPUT", out, feedback,
                          wkb_type=QgsWkbTypes.multiType(src.wkbType()) if has_geom else None,
                          crs=src.sourceCrs() if has_geom else None)
        if has_geom:
            style_on_load(context, dest, "class_en")
        return {"OUTPUT": dest}


class Autocorrelation(_Base):
    NAME = "autocorrelation"
    LABEL = ("Spatial autocorrelation (LISA, Gi*)", "空间自相关（LISA、Gi*）")
    CALLS = "jilin_spatial.spatial_weights, moran, local_moran, local_getis_ord"
    HELP = ("Local Moran's I (LISA) and Getis-Ord Gi* of a numeric field with conditional permutations. Fields: "
            "Is, z_sim, quadrant, p_sim, p_fdr, significant, min_attainable_p, lisa_<field> (HH, LL, LH, HL or ns "
            "at the significance level; GeoDa colours), gi_Zs, gi_p_sim, gi_star_<field> (hot, cold, ns). Global "
            "Moran's I with its permutation p-value is written to the log. Weights: queen, rook, k nearest "
            "neighbours or a distance band (km), row-standardised.",
            "空间自相关：局部 Moran's I（LISA）与 Getis-Ord Gi* 热点分析（条件置换检验）。输出 LISA 聚类（HH、LL、LH、HL、ns，"
            "GeoDa 配色）与冷热点字段；全局 Moran's I 写入日志。权重：后式、车式、K 近邻或距离带（公里）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", _t("Polygons", "面图层"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", _t("Unit id field", "单元编号字段"), parentLayerParameterName="INPUT"))
        self.addParameter(QgsProcessingParameterField(
            "FIELD", _t("Value field", "分析字段"), parentLayerParameterName="INPUT",
            type=QgsProcessingParameterField.Numeric))
        self._enum("WEIGHTS", "Spatial weights", "空间权重", WEIGHTS, 0)
        self.addParameter(QgsProcessingParameterNumber("K", _t("k (k nearest neighbours)", "K 近邻个数"),
                                                       QgsProcessingParameterNumber.Integer, 4, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            "DISTANCE_KM", _t("Distance band, km", "距离带（公里）"), QgsProcessingParameterNumber.Double, 100.0,
            minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            "PERMUTATIONS", _t("Permutations", "置换次数"), QgsProcessingParameterNumber.Integer, 999, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            "ALPHA", _t("Significance level", "显著性水平"), QgsProcessingParameterNumber.Double, 0.05,
            minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber("SEED", _t("Random seed", "随机种子"),
                                                       QgsProcessingParameterNumber.Integer, 12345))
        self.addParameter(QgsProcessingParameterBoolean(
            "FDR", _t("Significance after false-discovery-rate correction", "使用 FDR 校正后的显著性"), False))
        self._sink("LISA and Gi*", "LISA 与 Gi*", QgsProcessing.TypeVectorPolygon)

    def compute(self, parameters, context, feedback):
        import pandas as pd
        from jilin_spatial import local_getis_ord, local_moran, moran, spatial_weights

        src = self.parameterAsSource(parameters, "INPUT", context)
        id_field = self.parameterAsString(parameters, "ID_FIELD", context)
        field = self.parameterAsString(parameters, "FIELD", context)
        step(feedback, 5, "reading the layer")
        gdf = source_frame(src, feedback, argument="INPUT")
        kind = WEIGHTS[self.parameterAsEnum(parameters, "WEIGHTS", context)]
        perms = self.parameterAsInt(parameters, "PERMUTATIONS", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        alpha = self.parameterAsDouble(parameters, "ALPHA", context)
        fdr = self.parameterAsBool(parameters, "FDR", context)
        units = gdf.assign(adcode=gdf[id_field].astype(str))
        step(feedback, 15, f"{kind} weights")
        sw = spatial_weights(units, kind=kind, k=self.parameterAsInt(parameters, "K", context),
                             threshold_km=self.parameterAsDouble(parameters, "DISTANCE_KM", context)
                             if kind == "distance_band" else None)
        values = pd.Series(pd.to_numeric(gdf[field]).to_numpy(float), index=units["adcode"].to_numpy(), name=field)
        values.index.name = id_field
        feedback.pushInfo(f"weights: {sw.describe()}")
        step(feedback, 25, "global Moran's I")
        g = moran(values, sw, permutations=perms, seed=seed)
        feedback.pushInfo(f"Global Moran's I of {field} = {g.I:.6f} (E[I] = {g.EI:.6f}, z_norm = {g.z_norm:.4f}, "
                          f"p_norm = {g.p_norm:.4g}, p_sim = {g.p_sim if g.p_sim is not None else float('nan'):.4g}, "
                          f"{perms} permutations, n = {g.n}) / 全局 Moran's I")
        step(feedback, 40, f"local Moran's I, {perms} permutations")
        lm = local_moran(values, sw, permutations=perms, seed=seed, alpha=alpha, fdr=fdr).to_frame()
        step(feedback, 70, f"Getis-Ord Gi*, {perms} permutations")
        gi = local_getis_ord(values, sw, permutations=perms, seed=seed, alpha=alpha, fdr=fdr).to_frame()
        lisa = lm[[id_field, "Is", "z_sim", "quadrant", "p_sim", "p_fdr", "significant", "min_attainable_p",
                   "cluster"]].rename(columns={"cluster": f"lisa_{field}"})
        hot = gi[[id_field, "Zs", "p_sim", "cluster"]].rename(
            columns={"Zs": "gi_Zs", "p_sim": "gi_p_sim", "cluster": f"gi_star_{field}"})
        new = lisa.merge(hot, on=id_field)
        clash = [c for c in new.columns if c != id_field and c in gdf.columns]
        if clash:
            raise QgsProcessingException(f"INPUT: expected no fields named like the results, got {clash}. "
                                         "Fix: rename those fields of the input.")
        key = gdf[id_field].astype(str)
        new = new.set_index(id_field)
        out = gdf.copy()
        for c in new.columns:
            out[c] = key.map(new[c]).to_numpy()
        step(feedback, 90, "writing")
        dest = write_sink(self, parameters, context, "OUTPUT", out, feedback, wkb_type=QgsWkbTypes.MultiPolygon,
                          crs=src.sourceCrs())
        style_on_load(context, dest, f"lisa_{field}")
        return {"OUTPUT": dest}


class GravityTies(_Base):
    NAME = "gravityties"
    LABEL = ("Gravity ties", "引力联系")
    CALLS = "jilin_spatial.gravity_ties (network.pair_matrix / great_circle_matrix)"
    HELP = ("Gravity ties R_ij = k sqrt(P_i G_i) sqrt(P_j G_j) / d_ij^b between every ordered pair of seats, and "
            "the share F of the origin's total. Distances from a table (from, to, distance), else great-circle km "
            "between the seats. Output: a line layer from seat to seat.",
            "引力模型 R_ij = k sqrt(P_i G_i) sqrt(P_j G_j) / d_ij^b 与联系隶属度 F。距离取自表（from、to、距离），"
            "否则为驻地间大圆距离（公里）。输出驻地间连线图层。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SEATS", _t("Seats (points)", "驻地点图层"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField("SEAT_ID", _t("Seat id field", "驻地编号字段"),
                                                      parentLayerParameterName="SEATS"))
        self.addParameter(QgsProcessingParameterField(
            "MASS_FIELD", _t("Mass field P (e.g. population)", "质量字段 P（如人口）"),
            parentLayerParameterName="SEATS", type=QgsProcessingParameterField.Numeric))
        self.addParameter(QgsProcessingParameterField(
            "MASS_FIELD_2", _t("Second mass field G (e.g. GDP; default: P)", "第二质量字段 G（如 GDP；默认同 P）"),
            parentLayerParameterName="SEATS", type=QgsProcessingParameterField.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DISTANCES", _t("Distance table (optional)", "距离表（可选）"), [QgsProcessing.TypeVector], optional=True))
        for name, en, zh, default in (("FROM_FIELD", "From field", "起点字段", "from"),
                                      ("TO_FIELD", "To field", "终点字段", "to"),
                                      ("DISTANCE_FIELD", "Distance field", "距离字段", "rail_km")):
            self.addParameter(QgsProcessingParameterField(name, _t(en, zh), defaultValue=default,
                                                          parentLayerParameterName="DISTANCES", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "DISTANCE_UNIT", _t("Distance unit (for the record)", "距离单位"), "rail_km"))
        self.addParameter(QgsProcessingParameterNumber("B", _t("Distance-decay exponent b", "距离衰减指数 b"),
                                                       QgsProcessingParameterNumber.Double, 2.0, minValue=0.0))
        self._sink("Gravity ties", "引力联系", QgsProcessing.TypeVectorLine)

    def compute(self, parameters, context, feedback):
        import geopandas as gpd
        import pandas as pd
        from shapely.geometry import LineString

        from jilin_spatial import gravity_ties, pair_matrix
        from jilin_spatial.network import great_circle_matrix

        src = self.parameterAsSource(parameters, "SEATS", context)
        step(feedback, 5, "reading the seats")
        seats = source_frame(src, feedback, argument="SEATS")
        sid = self.parameterAsString(parameters, "SEAT_ID", context)
        p = self.parameterAsString(parameters, "MASS_FIELD", context)
        g = self.parameterAsString(parameters, "MASS_FIELD_2", context) or p
        ids = seats[sid].astype(str)
        masses = pd.DataFrame({"P": pd.to_numeric(seats[p]).to_numpy(float),
                               "G": pd.to_numeric(seats[g]).to_numpy(float)}, index=ids.to_numpy())
        pts = seats.to_crs("EPSG:4326") if seats.crs is not None else seats
        dist_src = self.parameterAsSource(parameters, "DISTANCES", context)
        unit = self.parameterAsString(parameters, "DISTANCE_UNIT", context)
        if dist_src is not None:
            d = source_frame(dist_src, feedback, argument="DISTANCES", geometry=False)
            a, b, v = (self.parameterAsString(parameters, k, context) for k in ("FROM_FIELD", "TO_FIELD",
                                                                               "DISTANCE_FIELD"))
            d = d.assign(**{a: d[a].astype(str), b: d[b].astype(str)})
            D = pair_matrix(d, v, a=a, b=b)
        else:
            D = great_circle_matrix(pd.DataFrame({"adcode": ids, "lon": pts.geometry.x, "lat": pts.geometry.y}))
            unit = "great_circle_km"
            feedback.pushInfo("no distance table: great-circle km between the seats")
        step(feedback, 40, "gravity ties")
        ties = gravity_ties(masses, D, b=self.parameterAsDouble(parameters, "B", context), distance_unit=unit)
        xy = dict(zip(ids, zip(pts.geometry.x, pts.geometry.y)))
        lines = gpd.GeoDataFrame(ties, geometry=[LineString([xy[a], xy[b]]) for a, b in zip(ties["from"], ties["to"])],
                                 crs="EPSG:4326")
        dest = write_sink(self, parameters, context, "OUTPUT", lines, feedback, wkb_type=QgsWkbTypes.LineString,
                          crs=_crs4326())
        style_on_load(context, dest, "R")
        return {"OUTPUT": dest}


class EconomicCircles(_Base):
    NAME = "economiccircles"
    LABEL = ("Economic circles (travel-time)", "经济圈（时间圈）")
    CALLS = "jilin_spatial.Region.build_graph, economic_circles, run_scenario"
    HELP = ("Modelled travel minutes from each centre to every unit's seat over rail links (and modelled roads "
            "between neighbouring units), and circle membership for each threshold: fields min_<centre> and "
            "in_<centre>_<minutes>. With a scenario links table (from, to, rail_km, mode[, speed_kph]) the fields "
            "are the times after the links are added and min_before_<centre> / in_before_<centre>_<minutes> "
            "keep the times without them. All times are MODELLED.",
            "从各中心到各单元驻地的模拟通行时间（铁路连线及相邻单元间的模拟道路）与各阈值的经济圈归属；"
            "可输入情景连线表（from、to、rail_km、mode[、speed_kph]）比较新增线路前后。所有时间均为模型估算。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "UNITS", _t("Units (polygons)", "空间单元（面）"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField("UNIT_ID", _t("Unit id field", "单元编号字段"),
                                                      parentLayerParameterName="UNITS"))
        self.addParameter(QgsProcessingParameterField("NAME_FIELD", _t("Unit name field", "单元名称字段"),
                                                      parentLayerParameterName="UNITS", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "POPULATION_FIELD", _t("Population field (needed with a scenario)", "人口字段（情景分析需要）"),
            parentLayerParameterName="UNITS", type=QgsProcessingParameterField.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SEATS", _t("Seats (points; default: representative points)", "驻地点（默认：面内代表点）"),
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterField("SEAT_ID", _t("Seat id field", "驻地编号字段"),
                                                      parentLayerParameterName="SEATS", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "LINKS", _t("Rail links (from, to, rail_km, mode[, travel_min]) between unit ids",
                        "铁路连线表（from、to、rail_km、mode[、travel_min]）"), [QgsProcessing.TypeVector],
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            "CENTRES", _t("Centres: ids or names, comma-separated", "中心：编号或名称，逗号分隔")))
        self.addParameter(QgsProcessingParameterString(
            "MINUTES", _t("Thresholds, minutes, comma-separated", "时间阈值（分钟），逗号分隔"), "30,60,90"))
        self.addParameter(QgsProcessingParameterNumber(
            "ACCESS_MIN", _t("Minutes between a seat and its station", "驻地至车站时间（分钟）"),
            QgsProcessingParameterNumber.Double, 15.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SCENARIO", _t("Scenario links (from, to, rail_km, mode[, speed_kph]; optional)",
                           "情景连线表（可选）"), [QgsProcessing.TypeVector], optional=True))
        self._sink("Economic circles", "经济圈", QgsProcessing.TypeVectorPolygon)

    def compute(self, parameters, context, feedback):
        import pandas as pd

        from jilin_spatial import Region, economic_circles, run_scenario

        src = self.parameterAsSource(parameters, "UNITS", context)
        step(feedback, 5, "reading the layers")
        units = source_frame(src, feedback, argument="UNITS")
        uid = self.parameterAsString(parameters, "UNIT_ID", context)
        name = self.parameterAsString(parameters, "NAME_FIELD", context)
        popf = self.parameterAsString(parameters, "POPULATION_FIELD", context)
        u = units.assign(adcode=units[uid].astype(str))
        if name:
            u = u.assign(name_zh=u[name].astype(str), name_en=u[name].astype(str))
        seats = None
        seat_src = self.parameterAsSource(parameters, "SEATS", context)
        if seat_src is not None:
            s = source_frame(seat_src, feedback, argument="SEATS").to_crs("EPSG:4326")
            sid = self.parameterAsString(parameters, "SEAT_ID", context) or uid
            seats = pd.DataFrame({"adcode": s[sid].astype(str), "lon": s.geometry.x, "lat": s.geometry.y})
        links_src = self.parameterAsSource(parameters, "LINKS", context)
        links = source_frame(links_src, feedback, argument="LINKS", geometry=False) if links_src else None
        empty = pd.DataFrame({"adcode": pd.Series(dtype=str), "sector": pd.Series(dtype=str),
                              "year": pd.Series(dtype=int), "value": pd.Series(dtype=float)})
        keep = ["adcode", "geometry"] + [c for c in ("name_zh", "name_en") if c in u]
        region = Region(name=src.sourceName(), level="unit", units=u[keep], employment=empty, seats=seats,
                        rail_edges=links)
        step(feedback, 20, "transport graph (Region.build_graph)")
        G = region.build_graph(access_min=self.parameterAsDouble(parameters, "ACCESS_MIN", context))
        centres = [c.strip() for c in self.parameterAsString(parameters, "CENTRES", context).split(",") if c.strip()]
        minutes = _minutes(self.parameterAsString(parameters, "MINUTES", context))
        cu = region.units.copy()
        cu["population"] = pd.to_numeric(u[popf]).to_numpy(float) if popf else float("nan")
        cu["employment"] = float("nan")
        scen_src = self.parameterAsSource(parameters, "SCENARIO", context)
        step(feedback, 40, "travel times and circles")
        if scen_src is not None:
            if not popf:
                raise QgsProcessingException("POPULATION_FIELD: expected a population field with a scenario (the "
                                             "tie changes use it as the gravity mass), got none. Fix: choose it.")
            sc = source_frame(scen_src, feedback, argument="SCENARIO", geometry=False)
            sc = sc.reindex(columns=["from", "to", "rail_km", "mode", "speed_kph"])
            masses = pd.DataFrame({"P": cu["population"].to_numpy(), "G": cu["population"].to_numpy()},
                                  index=cu["adcode"].to_numpy())
            res = run_scenario(G, sc, units=cu, centres=centres, minutes=minutes, masses=masses)
            after, before = res["after"], res["before"]
            for r in res["entered"].itertuples():
                feedback.pushInfo(f"{r.status} the {r.centre} {r.minutes:g}-min circle: {r.adcode} "
                                  f"({r.travel_min_before:.1f} -> {r.travel_min_after:.1f} min)")
        else:
            after, before = economic_circles(G, centres, units=cu, minutes=minutes), None
        for r in after.coverage.itertuples():
            feedback.pushInfo(f"{r.centre} {r.minutes:g} min: {r.n_counties} units")
        out = units.copy()
        key = out[uid].astype(str)
        for label, res_ in (("", after), ("before_", before)):
            if res_ is None:
                continue
            for c in centres:
                t = res_.times[res_.times.centre == c].set_index("adcode")["travel_min"]
                out[f"min_{label}{c}"] = key.map(t).to_numpy(float)
                m = res_.membership[res_.membership.centre == c]
                for mm in minutes:
                    ins = m[m.minutes == mm].set_index("adcode")["inside"]
                    out[f"in_{label}{c}_{mm:g}"] = key.map(ins).fillna(False).astype(bool).to_numpy()
        dest = write_sink(self, parameters, context, "OUTPUT", out, feedback, wkb_type=QgsWkbTypes.MultiPolygon,
                          crs=src.sourceCrs())
        style_on_load(context, dest, f"min_{centres[0]}", scheme="user_defined", bins=list(minutes),
                      cmap="YlGnBu_r", kind="numeric")
        return {"OUTPUT": dest}


def _minutes(text):
    try:
        vals = [float(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        vals = []
    if not vals or any(not (0 < v <= 1440) for v in vals):
        raise QgsProcessingException(f"MINUTES: expected thresholds in (0, 1440] minutes, comma-separated, got "
                                     f"{text!r}. Fix: e.g. 30,60,90")
    return tuple(vals)


def _crs4326():
    from qgis.core import QgsCoordinateReferenceSystem

    return QgsCoordinateReferenceSystem("EPSG:4326")


#: every algorithm of the provider, in the Toolbox's order
ALGORITHMS = [LocationQuotients, CoAgglomeration, Similarity, CouplingCoordination, Autocorrelation, GravityTies,
              EconomicCircles]
