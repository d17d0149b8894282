"""The hash-chained ledger of issues and status changes, and its signed daily heads."""

import datetime

import pytest
import time_machine
from django.db import connection, transaction

from kompeten.certificates import keys, ledger, services
from kompeten.certificates.models import LedgerEntry, LedgerHead
from kompeten.certificates.tests.helpers import approve_all, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(candidates, assessor, lsp_admin, operator_balikpapan):
    """Three certificates issued on 1 May, one suspended and reinstated on 2 May, one revoked on 3 May."""
    approved = approve_all(candidates, assessor, lsp_admin)
    with time_machine.travel(at(2025, 5, 1), tick=True):
        certs = [services.issue_competency(a) for a in approved]
    with time_machine.travel(at(2025, 5, 2), tick=True):
        services.suspend(certs[0], reason="Checking", by=operator_balikpapan)
        services.reinstate(certs[0], reason="Checked", by=operator_balikpapan)
    with time_machine.travel(at(2025, 5, 3), tick=True):
        services.revoke(certs[1], reason="Wrong person", by=operator_balikpapan)
    return certs


def raw(sql, params):
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def prep(data):
    return LedgerEntry._meta.get_field("data").get_db_prep_value(data, connection)


def test_the_chain_verifies(history):
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.action for e in entries] == ["genesis", "issue", "issue", "issue", "suspended", "reinstate", "revoked"]
    assert entries[0].prev_hash == ledger.GENESIS_HASH
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == before.hash and entry.seq == before.seq + 1
    assert entries[1].data["number"] == history[0].number and entries[1].data["kid"] == history[0].key.kid
    report = ledger.verify_chain()
    assert report.ok and report.entries == 7 and report.first_break is None


def test_appending_outside_a_transaction_is_refused(history, monkeypatch):
    class Outside:
        in_atomic_block = False

    monkeypatch.setattr(ledger.transaction, "get_connection", lambda: Outside())
    with pytest.raises(RuntimeError):
        ledger.append("issue", data={})
    monkeypatch.undo()
    with transaction.atomic():
        entry = ledger.append("note", data={"x": 1})
    assert entry.seq == 7 and ledger.verify_chain().ok


def test_tampering_with_an_entry_is_found_at_that_entry(history):
    entry = LedgerEntry.objects.get(seq=2)
    data = {**entry.data, "issued_on": "2024-01-01"}  # a back-dated certificate
    raw("UPDATE {table} SET data = %s WHERE seq = %s", [prep(data), 2])
    report = ledger.verify_chain()
    assert not report.ok and report.first_break == 2


def test_tampering_with_a_timestamp_or_action_is_found(history):
    raw("UPDATE {table} SET action = %s WHERE seq = %s", ["reinstate", 6])
    assert ledger.verify_chain().first_break == 6


def test_rewriting_an_entry_with_its_hash_breaks_the_next_link(history):
    entry = LedgerEntry.objects.get(seq=3)
    data = {**entry.data, "holder_id": "0" * 16}
    new_hash = ledger.entry_hash(entry.prev_hash, entry.seq, entry.at, entry.action, data)
    raw("UPDATE {table} SET data = %s, hash = %s WHERE seq = %s",
        [prep(data), new_hash, 3])
    assert ledger.verify_chain().first_break == 4


def test_deleting_an_entry_breaks_the_chain(history):
    raw("DELETE FROM {table} WHERE seq = %s", [4])
    report = ledger.verify_chain()
    assert not report.ok and report.first_break == 5 and report.entries == 6


def test_signed_heads_idempotent_and_checked(history):
    head1 = ledger.sign_head(datetime.date(2025, 5, 1))
    head2 = ledger.sign_head(datetime.date(2025, 5, 2))
    assert (head1.seq, head2.seq) == (3, 5)
    assert ledger.sign_head(datetime.date(2025, 5, 1)) == head1  # idempotent
    assert LedgerHead.objects.count() == 2
    assert ledger.sign_head(datetime.date(2025, 4, 1)) is None  # nothing yet that day
    report = ledger.verify_chain()
    assert report.ok and report.heads == 2
    # The signature covers day, seq and hash; the ledger key is published with use "ledger".
    assert head1.kid != history[0].key.kid
    assert keys.b64url_decode(head1.signature) and len(keys.b64url_decode(head1.signature)) == 64


def test_default_head_is_yesterdays(history):
    with time_machine.travel(at(2025, 5, 3, 1), tick=True):
        head = ledger.sign_head()
    assert head.day == datetime.date(2025, 5, 2) and head.seq == 5


def test_a_head_that_disagrees_is_reported(history):
    ledger.sign_head(datetime.date(2025, 5, 1))
    head = ledger.sign_head(datetime.date(2025, 5, 2))
    LedgerHead.objects.filter(pk=head.pk).update(seq=4)  # the signature no longer matches
    report = ledger.verify_chain()
    assert report.first_break is None and report.bad_heads == ["2025-05-02"]


def test_a_rewritten_history_disagrees_with_its_signed_head(history):
    ledger.sign_head(datetime.date(2025, 5, 1))
    # Rewrite entry 3 and everything after it consistently: the chain is whole again, the head is not.
    previous = LedgerEntry.objects.get(seq=2).hash
    for entry in LedgerEntry.objects.filter(seq__gte=3).order_by("seq"):
        data = {**entry.data, "rewritten": True}
        new_hash = ledger.entry_hash(previous, entry.seq, entry.at, entry.action, data)
        raw("UPDATE {table} SET data = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [prep(data), previous, new_hash, entry.seq])
        previous = new_hash
    report = ledger.verify_chain()
    assert report.first_break is None and report.bad_heads == ["2025-05-01"]
