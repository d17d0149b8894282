"""Expiry reminders 90 and 30 days before a competence expires: once each, to the holder and the centre."""

import datetime

import pytest
from django.core import mail

from conftest import make_user
from kompeten.certificates import reminders, services
from kompeten.certificates.models import ExpiryReminder
from kompeten.certificates.tests.helpers import approve_all, at
from kompeten.selection.notifications import ConsoleSMS

pytestmark = pytest.mark.django_db

UNTIL = datetime.date(2028, 5, 9)  # issued 10 May 2025, 36 months


@pytest.fixture
def certs(candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    people = [a.person for a in approved]
    people[0].email, people[0].phone = "andi@example.test", "081200000001"
    people[1].email = "dewi@example.test"
    for person in people:
        person.save()
    return [services.issue_competency(a, issued_at=at(2025, 5, 10)) for a in approved]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(today):
        mail.outbox.clear()
        ConsoleSMS.sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.send_expiry_reminders(today=today)
    return run


def holder_mails():
    return [m for m in mail.outbox if "operator@" not in ",".join(m.to)]


def test_nothing_before_ninety_days(certs, run):
    assert certs[0].valid_until == UNTIL
    assert run(UNTIL - datetime.timedelta(days=91)) == 0
    assert mail.outbox == [] and not ExpiryReminder.objects.exists()


def test_ninety_and_thirty_days_once_each(certs, run, operator_balikpapan, operator_bontang):
    assert run(UNTIL - datetime.timedelta(days=90)) == 3
    assert sorted(m.to[0] for m in holder_mails()) == ["andi@example.test", "dewi@example.test"]
    andi = next(m for m in holder_mails() if m.to == ["andi@example.test"])
    assert certs[0].number in andi.body and "09-05-2028" in andi.body and "90" in andi.body
    assert "09-05-2028" in andi.subject
    for secret in (certs[0].person.nik, "2000", certs[0].holder_id):
        assert secret not in andi.body
    # The centre where they were assessed: one list for its operators (not the other centre's).
    centre_mails = [m for m in mail.outbox if m.to == [operator_balikpapan.email]]
    assert len(centre_mails) == 1 and all(c.number in centre_mails[0].body for c in certs)
    assert not [m for m in mail.outbox if operator_bontang.email in m.to]
    assert ConsoleSMS.sent and ConsoleSMS.sent[-1][0] == "081200000001"
    assert certs[0].number in ConsoleSMS.sent[-1][1]
    assert set(ExpiryReminder.objects.values_list("days_before", flat=True)) == {90}

    for days in (90, 89, 31):  # the same day again, the next days: nothing new
        assert run(UNTIL - datetime.timedelta(days=days)) == 0
        assert mail.outbox == []
    assert run(UNTIL - datetime.timedelta(days=30)) == 3
    assert len(holder_mails()) == 2 and "30" in holder_mails()[0].body
    assert run(UNTIL - datetime.timedelta(days=29)) == 0
    assert ExpiryReminder.objects.count() == 6
    assert run(UNTIL + datetime.timedelta(days=1)) == 0  # expired: no more


def test_a_missed_day_is_caught_up(certs, run):
    assert run(UNTIL - datetime.timedelta(days=75)) == 3  # the 90-day run never happened
    assert set(ExpiryReminder.objects.values_list("days_before", flat=True)) == {90}
    assert run(UNTIL - datetime.timedelta(days=12)) == 3  # nor the 30-day one
    assert ExpiryReminder.objects.filter(days_before=30).count() == 3


def test_two_missed_thresholds_send_one_message(certs, run):
    assert run(UNTIL - datetime.timedelta(days=20)) == 3
    assert len(holder_mails()) == 2
    assert ExpiryReminder.objects.count() == 6
    assert run(UNTIL - datetime.timedelta(days=19)) == 0


def test_revoked_and_suspended_are_left_alone(certs, run, operator_balikpapan):
    services.revoke(certs[0], reason="Forged", by=operator_balikpapan)
    services.suspend(certs[1], reason="Appeal", by=operator_balikpapan)
    assert run(UNTIL - datetime.timedelta(days=30)) == 1
    assert {r.certificate for r in ExpiryReminder.objects.all()} == {certs[2]}


def test_a_recertified_holder_is_not_reminded(certs, run):
    # Stand-in for a re-certification: a later certificate of the same scheme for the same person.
    type(certs[0]).objects.filter(pk=certs[1].pk).update(person=certs[0].person,
                                                         valid_until=UNTIL + datetime.timedelta(days=3 * 365))
    assert run(UNTIL - datetime.timedelta(days=30)) == 1
    assert {r.certificate for r in ExpiryReminder.objects.all()} == {certs[2]}


def test_operators_without_email_or_inactive_are_skipped(certs, run, balikpapan):
    make_user("nonaktif@blki-balikpapan.test", "centre_operator", centre=balikpapan).__class__.objects.filter(
        email="nonaktif@blki-balikpapan.test").update(is_active=False)
    assert run(UNTIL - datetime.timedelta(days=30)) == 3
    assert not [m for m in mail.outbox if "nonaktif@blki-balikpapan.test" in m.to]
