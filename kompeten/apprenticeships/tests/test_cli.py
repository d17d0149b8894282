"""``kompeten apprenticeships``: progress, rounds, match, flagged; bad input exits 2 with a message."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kompeten.apprenticeships import services
from kompeten.apprenticeships.models import Placement
from kompeten.programmes.models import Target

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 5, 10)


def run(*args) -> str:
    out = StringIO()
    call_command("apprenticeships", *args, stdout=out)
    return out.getvalue()


def test_match_publish_and_progress(offer, trained, matching_round, province_admin, programme_year):
    Target.objects.create(programme_year=programme_year, kind="apprentices_placed", number=400)
    for person in trained:
        services.apply(person, matching_round, [offer], by=province_admin, today=DAY)
    services.close_round(matching_round, by=province_admin)
    text = run("match", str(matching_round.pk), "--publish")
    assert "3 of 3 candidates placed" in text and "stable: yes" in text
    assert "3 agreements drafted" in text
    rounds = json.loads(run("rounds", "--json"))
    assert rounds[0]["status"] == "published" and rounds[0]["placed"] == 3
    for placement in Placement.objects.all():
        services.transition(placement, "signed", by=province_admin)
        services.transition(placement, "active", by=province_admin, on=datetime.date(2025, 7, 1))
    progress = json.loads(run("progress", "--year", "2025", "--json"))
    assert progress["target"] == 400
    assert progress["placed"] == 3 == Placement.objects.filter(status="active").count()
    flagged = json.loads(run("flagged", "--today", "2025-07-22", "--json"))
    assert len(flagged) == 3 and all(row["last_confirmed_week"] is None for row in flagged)
    assert json.loads(run("flagged", "--today", "2025-07-21", "--json")) == []


@pytest.mark.parametrize("args, message", [
    (["progress", "--year", "1999"], "no programme year 1999"),
    (["match", "999999"], "no matching round 999999"),
    (["flagged", "--today", "15-09-2025"], "--today must be a date"),
])
def test_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run(*args)
    assert error.value.returncode == 2


def test_match_of_an_open_round_is_refused(matching_round):
    with pytest.raises(CommandError, match="cannot do this now") as error:
        run("match", str(matching_round.pk))
    assert error.value.returncode == 2
