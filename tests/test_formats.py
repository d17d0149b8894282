"""Dates and numbers in the interface language (kompeten/formats/): "27 November 2026", "1.500", "Rp3.579.314" in
Indonesian (the default); "27 November 2026", "1,500", "Rp3.579.314" in English (rupiah keep their dots). On pages
and in fragments."""

import datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import make_batch
from kompeten import formats
from kompeten.certificates.models import IssuanceJob

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 27)


def render(text: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load humanize kompeten_formats %}" + text).render(Context(context))


@pytest.mark.parametrize(("language", "expected"), [
    ("id", "27 November 2026 | 4 Desember 2026 | 27 November 2026 14.30 | 1.500 | Rp3.579.314 | 12,5 | Agustus 2026"),
    ("en", "27 November 2026 | 4 December 2026 | 27 November 2026 14:30 | 1,500 | Rp3.579.314 | 12.5 | August 2026"),
])
def test_the_named_formats_and_filters(language, expected):
    text = ('{{ day|date:"DATE_FORMAT" }} | {{ later|date:"DATE_FORMAT" }} | {{ at|date:"DATETIME_FORMAT" }} | '
            '{{ n|intcomma }} | {{ wage|rupiah }} | {{ share|floatformat:1 }} | {{ month|date:"YEAR_MONTH_FORMAT" }}')
    at = datetime.datetime(2026, 11, 27, 6, 30, tzinfo=datetime.UTC)  # 14.30 in Asia/Makassar (TIME_ZONE)
    assert render(text, language, day=DAY, later=datetime.date(2026, 12, 4), at=at, n=1500, wage=3579314,
                  share=12.5, month=datetime.date(2026, 8, 1)) == expected


def test_rupiah_rounds_and_leaves_nothing_for_none():
    with translation.override("id"):
        assert formats.rupiah(3579313.6) == "Rp3.579.314"
        assert formats.rupiah(0) == "Rp0"
        assert formats.rupiah(-1500) == "-Rp1.500"
        assert formats.rupiah(None) == formats.rupiah("") == ""
    assert render("{{ x|rupiah }}", "id", x="abc") == "abc"  # not a number: shown as it is


def page(language: str, user, url: str) -> str:
    client = Client()
    client.force_login(user)
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html or f'<html lang="{language}">' in html
    return html


@pytest.mark.parametrize(("language", "start", "end"), [
    ("id", "27 November 2026", "22 Desember 2026"), ("en", "27 November 2026", "22 December 2026")])
def test_a_batch_page_writes_its_dates_in_full(language, start, end, balikpapan, programme_year,
                                               operator_balikpapan):
    batch = make_batch(balikpapan, programme_year, start=DAY, end=datetime.date(2026, 12, 22))
    html = page(language, operator_balikpapan, reverse("programmes:batch_detail", args=[batch.pk]))
    assert f"{start} – {end}" in html


@pytest.mark.parametrize(("language", "total"), [("id", "1.500"), ("en", "1,500")])
def test_the_issuing_progress_counts_with_thousands_separators(language, total, balikpapan, programme_year,
                                                                operator_balikpapan):
    batch = make_batch(balikpapan, programme_year, status="completed")
    job = IssuanceJob.objects.create(batch=batch, status="running", total=1500, done=1250)
    fragment = page(language, operator_balikpapan, reverse("certificates:job_progress", args=[job.pk]))
    assert 'aria-valuenow="83"' in fragment
    assert f"1{total[1]}250" in fragment and total in fragment
    assert "1500" not in fragment and "1250" not in fragment
