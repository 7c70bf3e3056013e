"""Industry registry: the 20 sections of GB/T 4754 and the analysis groups.

Section letters differ between GB/T 4754-2002 (used by the 2010 census) and
GB/T 4754-2017 (used by the 2020 census): transport is F in 2002 and G in 2017,
ICT is G -> I, wholesale/retail H -> F and accommodation I -> H.  Sectors are
therefore keyed by *content* with a stable ``sector_key`` (the 2017 letter plus
a short English tag, e.g. ``"G_transport"``), never by a bare letter.

Groups follow ``methods.md`` §1.1:

* ``manufacturing`` = C;
* ``producer_services`` = transport, storage & post + information transmission,
  software & IT + finance + leasing & business services + scientific research &
  technical services;
* ``producer_services_high`` = information + finance + scientific research;
* ``producer_services_low`` = transport + leasing & business services;
* ``non_agricultural`` = every section except A (agriculture, forestry, animal
  husbandry and fishery).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ._errors import InputError

__all__ = [
    "SECTORS",
    "GROUPS",
    "TOTAL_KEY",
    "sector_table",
    "resolve_sectors",
    "sector_keys",
    "match_sectors",
]

TOTAL_KEY = "TOTAL"

# key, letter 2002, letter 2017, name_zh (2017 wording), name_en
_ROWS = [
    ("A_agri", "A", "A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B_mining", "B", "B", "采矿业", "Mining"),
    ("C_manuf", "C", "C", "制造业", "Manufacturing"),
    ("D_util", "D", "D", "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    ("E_constr", "E", "E", "建筑业", "Construction"),
    ("F_whole_retail", "H", "F", "批发和零售业", "Wholesale and retail trade"),
    ("G_transport", "F", "G", "交通运输、仓储和邮政业", "Transport, storage and post"),
    ("H_accom", "I", "H", "住宿和餐饮业", "Accommodation and catering"),
    ("I_ict", "G", "I", "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ("J_finance", "J", "J", "金融业", "Finance"),
    ("K_realestate", "K", "K", "房地产业", "Real estate"),
    ("L_leasing_business", "L", "L", "租赁和商务服务业", "Leasing and business services"),
    ("M_scires", "M", "M", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N_water_env", "N", "N", "水利、环境和公共设施管理业", "Water conservancy, environment and public facilities"),
    ("O_resident_svc", "O", "O", "居民服务、修理和其他服务业", "Resident, repair and other services"),
    ("P_edu", "P", "P", "教育", "Education"),
    ("Q_health", "Q", "Q", "卫生和社会工作", "Health and social work"),
    ("R_culture", "R", "R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S_public_admin", "S", "S", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T_intl", "T", "T", "国际组织", "International organisations"),
]

SECTORS: tuple[str, ...] = tuple(r[0] for r in _ROWS)

GROUPS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("C_manuf",),
    "producer_services": (
        "G_transport",
        "I_ict",
        "J_finance",
        "L_leasing_business",
        "M_scires",
    ),
    "producer_services_high": ("I_ict", "J_finance", "M_scires"),
    "producer_services_low": ("G_transport", "L_leasing_business"),
    "non_agricultural": tuple(s for s in SECTORS if s != "A_agri"),
}

_GROUP_NAMES = {
    "manufacturing": ("制造业", "Manufacturing"),
    "producer_services": ("生产性服务业", "Producer services"),
    "producer_services_high": ("高端生产性服务业", "High-end producer services"),
    "producer_services_low": ("低端生产性服务业", "Low-end producer services"),
    "non_agricultural": ("非农产业", "Non-agricultural industries"),
}


def sector_table() -> pd.DataFrame:
    """Return the registry of the 20 sections and the groups as a table.

    Returns
    -------
    pandas.DataFrame
        One row per section and group with ``sector_key``, ``kind``
        (``"section"`` or ``"group"``), ``letter_2002``, ``letter_2017``,
        ``name_zh``, ``name_en`` and ``members`` (``+``-joined keys).

    Examples
    --------
    >>> from jilin_spatial.sectors import sector_table
    >>> t = sector_table()
    >>> t.loc[t.sector_key == "G_transport", ["letter_2002", "letter_2017"]].values.tolist()
    [['F', 'G']]
    """
    rows = [
        {
            "sector_key": k,
            "kind": "section",
            "letter_2002": l02,
            "letter_2017": l17,
            "name_zh": zh,
            "name_en": en,
            "members": k,
        }
        for k, l02, l17, zh, en in _ROWS
    ]
    for g, members in GROUPS.items():
        zh, en = _GROUP_NAMES[g]
        rows.append(
            {
                "sector_key": g,
                "kind": "group",
                "letter_2002": None,
                "letter_2017": None,
                "name_zh": zh,
                "name_en": en,
                "members": "+".join(members),
            }
        )
    return pd.DataFrame(rows)


def sector_keys(*, names: bool = False) -> dict[str, str] | tuple[str, ...]:
    """Return the 20 section keys, or a mapping key -> English name."""
    if names:
        return {k: en for k, _, _, _, en in _ROWS}
    return SECTORS


def resolve_sectors(
    spec: str | Iterable[str],
    *,
    available: Iterable[str] | None = None,
    groups: Mapping[str, Iterable[str]] | None = None,
    argument: str = "sectors",
) -> tuple[str, ...]:
    """Expand a sector or group name (or a list of them) into section keys.

    Parameters
    ----------
    spec : str or iterable of str
        A section key (``"C_manuf"``), a group name (``"producer_services"``)
        or a list mixing both.
    available : iterable of str, optional
        The sector keys present in the caller's table.  When given, every
        resolved key must be among them.  Defaults to the 20 sections.
    groups : mapping, optional
        Extra user-defined groups, name -> member keys.  They override the
        built-in groups of the same name.
    argument : str
        Name of the caller's argument, used in error messages.

    Returns
    -------
    tuple of str
        The member keys, de-duplicated, in registry order where possible.

    Raises
    ------
    InputError
        If a name is unknown, or a group references no available sector.

    Examples
    --------
    >>> resolve_sectors("producer_services_high")
    ('I_ict', 'J_finance', 'M_scires')
    """
    avail = tuple(available) if available is not None else SECTORS
    all_groups = {**GROUPS, **{k: tuple(v) for k, v in (groups or {}).items()}}
    items = [spec] if isinstance(spec, str) else list(spec)
    if not items:
        raise InputError(argument, "at least one sector or group name", "an empty list",
                         "pass e.g. 'C_manuf' or 'producer_services'")
    out: list[str] = []
    for item in items:
        if item in all_groups:
            members = [m for m in all_groups[item] if m in avail]
            missing = [m for m in all_groups[item] if m not in avail]
            if not members:
                raise InputError(
                    argument,
                    f"group {item!r} to reference sectors present in the data",
                    f"none of its members {list(all_groups[item])} are present",
                    f"available sectors are {sorted(avail)}",
                )
            if missing:
                raise InputError(
                    argument,
                    f"every member of group {item!r} to be present in the data",
                    f"missing {missing}",
                    "supply those sectors or define a custom group with groups=",
                )
            out.extend(members)
        elif item in avail:
            out.append(item)
        else:
            import difflib

            close = difflib.get_close_matches(str(item), list(avail) + list(all_groups), n=3)
            hint = f"did you mean {close}?" if close else f"choose from {sorted(avail)} or groups {sorted(all_groups)}"
            raise InputError(argument, "a known sector key or group name", repr(item), hint)
    seen: dict[str, None] = {}
    for k in out:
        seen.setdefault(k, None)
    return tuple(seen)


# Other wordings of the section names: GB/T 4754-2002 (2010 census) and the national census
# sheets (leiii/census; the 2010 sheet has three headers garbled in the source, mapped by
# position: 仓储和邮政业 = transport, 交通运输、计算机服务和软件业 = ICT, 信息传输、批发和零售业 =
# wholesale and retail).
_ALIASES_ZH = {
    "A_agri": ["农林牧渔业", "农、林、牧、渔业"],
    "D_util": ["电力、燃气及水的生产和供应业", "电力热力燃气及水生产和供应业", "电力、热力、燃气及水的生产和供应业"],
    "G_transport": ["交通运输、仓储和邮政业", "交通运输仓储和邮政业", "仓储和邮政业"],
    "I_ict": ["信息传输、计算机服务和软件业", "信息传输软件和信息技术服务业", "交通运输、计算机服务和软件业"],
    "F_whole_retail": ["批发零售业", "信息传输、批发和零售业"],
    "H_accom": ["住宿餐饮业"],
    "M_scires": ["科学研究、技术服务和地质勘查业", "科学研究、技术服务和地质勘察业", "科学研究和技术服务业"],
    "O_resident_svc": ["居民服务和其他服务业", "居民服务修理和其服务业", "居民服务、修理和其他服务业"],
    "Q_health": ["卫生、社会保障和社会福利业", "卫生和社会工作"],
    "S_public_admin": ["公共管理和社会组织", "公共管理社会保障和社会组织"],
}
_TOTAL_ALIASES = ["total", "合计", "总计", "各种行业人口总计", "行业人口总计", "all industries"]
_LETTER_DIFFERS = {"F", "G", "H", "I"}  # the only letters whose section changed between 2002 and 2017
LETTER_VINTAGES = ("2002", "2017")


def _norm(text) -> str:
    import re
    import unicodedata

    t = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s、，,;；:：.。()（）\[\]_\-/&'’]+", "", t)


def _alias_table() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, _l02, _l17, zh, en in _ROWS:
        for a in (key, zh, en, en.replace(" and ", " & "), *_ALIASES_ZH.get(key, [])):
            out[_norm(a)] = key
    for a in _TOTAL_ALIASES + [TOTAL_KEY]:
        out[_norm(a)] = TOTAL_KEY
    return out


def match_sectors(labels: Iterable[str], *, letters: str | None = None, argument: str = "sectors") -> dict[str, str]:
    """Map census-style sector headers to the package's sector keys.

    Recognised, whatever the spacing, line breaks and Chinese or ASCII
    punctuation: the keys (``"C_manuf"``); Chinese section names in the
    GB/T 4754-2017 and -2002 wordings and as printed in the national census
    sheets (``制造业``, ``交通运输、仓储和邮政业``, ``信息传输、计算机服务和软件业`` ...);
    English names; a letter and a name (``"C 制造业"``); bare section letters
    when ``letters`` names their vintage (only F, G, H and I differ between
    vintages, so other letters need none); and totals (``合计``,
    ``各种行业人口总计`` -> ``TOTAL``).

    Parameters
    ----------
    labels : iterable of str
        Column headers or the values of a sector column.
    letters : {"2002", "2017"}, optional
        Vintage of bare letters: 2002 for the 2010 census, 2017 for 2020.
    argument : str
        Name used in error messages.

    Returns
    -------
    dict
        label -> sector key.

    Raises
    ------
    InputError
        Listing every label that is not recognised, ambiguous letters without
        ``letters``, or two labels that map to the same sector.

    Examples
    --------
    >>> match_sectors(["制造业", "交通运输、仓储和邮政业", "金融业"])
    {'制造业': 'C_manuf', '交通运输、仓储和邮政业': 'G_transport', '金融业': 'J_finance'}
    >>> match_sectors(["G", "C"], letters="2002")
    {'G': 'I_ict', 'C': 'C_manuf'}
    """
    import re

    if letters is not None and str(letters) not in LETTER_VINTAGES:
        raise InputError("letters", f"one of {list(LETTER_VINTAGES)}", repr(letters),
                         "letters='2002' for the 2010 census, '2017' for the 2020 census")
    by_letter = {}
    for key, l02, l17, _zh, _en in _ROWS:
        by_letter.setdefault("2002", {})[l02] = key
        by_letter.setdefault("2017", {})[l17] = key
    table = _alias_table()
    out: dict[str, str] = {}
    unknown, ambiguous = [], []
    for lab in labels:
        raw = str(lab).strip()
        key = table.get(_norm(raw))
        if key is None:
            m = re.fullmatch(r"([A-Ta-t])(?:[\s_:：.、-]+(.*))?", raw, flags=re.S)
            if m and m.group(2):
                key = table.get(_norm(m.group(2)))
            elif m:
                letter = m.group(1).upper()
                if letters is not None:
                    key = by_letter[str(letters)].get(letter)
                elif letter in _LETTER_DIFFERS:
                    ambiguous.append(raw)
                    continue
                else:
                    key = by_letter["2017"].get(letter)
        if key is None:
            unknown.append(raw)
        else:
            out[lab] = key
    if ambiguous:
        raise InputError("letters", "the GB/T 4754 vintage of bare section letters", f"letters {ambiguous} without it "
                         "(F, G, H and I changed between 2002 and 2017)",
                         "pass letters='2002' (2010 census) or letters='2017' (2020 census)")
    if unknown:
        raise InputError(argument, "census section names, GB/T 4754 letters or sector keys",
                         f"{len(unknown)} unrecognised: {unknown}",
                         "rename those columns to sector keys (see sectors.sector_table()) or leave them out")
    seen: dict[str, str] = {}
    for lab, key in out.items():
        if key in seen:
            raise InputError(argument, "one column per sector", f"{seen[key]!r} and {lab!r} both mean {key}",
                             "keep one of them")
        seen[key] = lab
    return out
