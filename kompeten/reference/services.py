"""Lookups over the reference data, cached per process (the tables change only with load_reference)."""

from functools import cache

from kompeten.reference.models import Region


@cache
def province_codes() -> frozenset[str]:
    return frozenset(Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", flat=True))


@cache
def regency_codes() -> frozenset[str]:
    return frozenset(Region.objects.filter(level=Region.Level.REGENCY).values_list("code", flat=True))


@cache
def village_codes() -> frozenset[str]:
    return frozenset(Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", flat=True))


def clear_caches() -> None:
    province_codes.cache_clear()
    regency_codes.cache_clear()
    village_codes.cache_clear()
