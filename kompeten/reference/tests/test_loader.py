import pytest
from django.core.management import call_command

from kompeten.programmes.models import TrainingCentre, Vocation
from kompeten.reference.loader import load_all
from kompeten.reference.models import EducationLevel, Kbji, Kbli, Region, Sector
from kompeten.reference.services import province_codes, regency_codes

pytestmark = pytest.mark.django_db


def test_loaded_counts_match_the_sources():
    # Counts stated in kompeten/reference/data/README.md.
    assert Region.objects.filter(level="province").count() == 38
    assert Region.objects.filter(level="regency").count() == 514
    assert Region.objects.filter(level="district", code__startswith="64.").count() == 105
    assert Region.objects.filter(level="village", code__startswith="64.").count() == 1038
    assert EducationLevel.objects.count() == 13
    assert Kbji.objects.filter(level="golongan_pokok").count() == 10
    assert Kbli.objects.filter(level="golongan_pokok").count() == 88
    assert set(Sector.objects.filter(is_focus=True).values_list("key", flat=True)) == {
        "mining", "trade", "motorcycle_repair", "construction", "housekeeping"}
    assert set(TrainingCentre.objects.values_list("code", flat=True)) == {"blki_balikpapan", "blki_bontang"}
    assert Vocation.objects.count() == 24


def test_loading_again_changes_nothing():
    assert set(load_all().values()) == {0}
    call_command("load_reference", verbosity=0)
    assert Region.objects.count() == 38 + 514 + 105 + 1038


def test_region_tree_and_nik_code_sets():
    village = Region.objects.get(code="64.71.05.1008")
    assert [r.level for r in village.lineage()] == ["village", "district", "regency", "province"]
    assert village.postal_code.isdigit() and len(village.postal_code) == 5
    assert "64" in province_codes() and "64.74" in regency_codes() and "91.01" not in regency_codes()
