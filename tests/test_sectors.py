import pytest

from jilin_spatial._errors import InputError
from jilin_spatial.sectors import GROUPS, SECTORS, resolve_sectors, sector_table


def test_registry_20_sections_and_letter_shifts():
    t = sector_table().set_index("sector_key")
    assert len(SECTORS) == 20
    assert (t.loc["G_transport", "letter_2002"], t.loc["G_transport", "letter_2017"]) == ("F", "G")
    assert (t.loc["I_ict", "letter_2002"], t.loc["I_ict", "letter_2017"]) == ("G", "I")
    assert (t.loc["F_whole_retail", "letter_2002"], t.loc["F_whole_retail", "letter_2017"]) == ("H", "F")
    assert (t.loc["H_accom", "letter_2002"], t.loc["H_accom", "letter_2017"]) == ("I", "H")
    assert t.loc["producer_services", "name_zh"] == "生产性服务业"


def test_groups_match_methods():
    assert set(GROUPS["producer_services"]) == set(GROUPS["producer_services_high"]) | set(GROUPS["producer_services_low"])
    assert len(GROUPS["non_agricultural"]) == 19 and "A_agri" not in GROUPS["non_agricultural"]


def test_resolve_unknown_suggests():
    with pytest.raises(InputError, match=r"sectors: expected a known sector key or group name, got 'C_manu'. Fix: did you mean \['C_manuf'"):
        resolve_sectors("C_manu")


def test_group_referencing_nothing():
    with pytest.raises(InputError, match=r"group 'mine' to reference sectors present in the data"):
        resolve_sectors("mine", groups={"mine": ["X1", "X2"]})
