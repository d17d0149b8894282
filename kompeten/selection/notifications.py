"""Telling applicants about results and offers: email, and SMS / WhatsApp through an adapter.

The adapter is a class named by settings.KOMPETEN_SMS_BACKEND with a ``send(phone, text)`` method;
the default writes to the console (the demo), a real gateway adapter plugs in the same way.
Messages are in Indonesian: applicants read them on their phones, outside the site's language switch.
"""

import logging
import threading
from collections import deque
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger("kompeten.notifications")


class ConsoleSMS:
    """Writes each message to the log (and so the console): the demo's SMS / WhatsApp gateway.
    The last messages are kept in ``sent`` for tests and for a look in the shell."""

    sent: deque[tuple[str, str]] = deque(maxlen=200)

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        logger.info("SMS to %s: %s", masked_phone(phone), text)


def masked_phone(phone: str) -> str:
    """The number as a log may show it: the first four and the last two characters (0812******90)."""
    kept = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return kept[:4] + "*" * max(len(kept) - 6, 0) + kept[-2:]


def _sms_backend():
    return import_string(settings.KOMPETEN_SMS_BACKEND)()


_suppressed = threading.local()


@contextmanager
def suppressed():
    """Send nothing inside this block (back-filled history, data migrations); per thread."""
    before = getattr(_suppressed, "on", False)
    _suppressed.on = True
    try:
        yield
    finally:
        _suppressed.on = before


def _send(person, subject: str, text: str) -> None:
    if getattr(_suppressed, "on", False):
        return

    def deliver():
        if person.email:
            send_mail(subject, text, None, [person.email], fail_silently=True)
        if person.phone:
            _sms_backend().send(person.phone, text)

    transaction.on_commit(deliver)


def result_published(application) -> None:
    person = application.person
    with translation.override("id"):
        if application.status == "admitted":
            choice = application.assigned_choice
            text = _("Kompeten: congratulations %(name)s, you have a seat in %(batch)s. Confirm (daftar ulang) "
                     "on your page before the deadline.") % {"name": person.full_name, "batch": choice.batch}
        elif application.status == "not_admitted":
            text = _("Kompeten: %(name)s, there is no seat for you in this round yet; you are on the reserve list. "
                     "See why on your page.") % {"name": person.full_name}
        else:
            text = _("Kompeten: %(name)s, the results of %(round)s are out. See your page.") % {
                "name": person.full_name, "round": application.round}
        _send(person, _("Selection result"), text)


def offer_made(offer) -> None:
    person = offer.application.person
    with translation.override("id"):
        deadline = timezone.localtime(offer.expires_at).strftime("%d-%m-%Y %H.%M")
        text = _("Kompeten: %(name)s, a seat in %(batch)s is offered to you from the reserve list. Confirm before "
                 "%(deadline)s.") % {"name": person.full_name, "batch": offer.batch, "deadline": deadline}
        _send(person, _("A seat is offered to you"), text)
