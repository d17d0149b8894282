"""Expiry reminders: a competence's holder and their training centre are told 90 and 30 days before it expires.

``send_expiry_reminders`` is meant to run once a day (a scheduler or the CLI). Each (certificate, threshold) is
sent once: an ExpiryReminder row, unique per certificate and threshold, is written in the transaction that decides
to send, and the messages go out after it commits. A missed day is caught up: a certificate with 90 days or fewer
left gets the 90-day reminder if it has not had it, one with 30 or fewer the 30-day one; when both are due at
once (the job did not run for two months), one message is sent, the more urgent, and both are recorded.

Who is told: the holder by e-mail (the person's address, else their account's) and by SMS / WhatsApp through the
project's adapter (settings.KOMPETEN_SMS_BACKEND, see kompeten.selection.notifications); the operators of the
centre where the holder was assessed get one e-mail per run listing their holders. Only active (neither revoked
nor suspended) competency certificates, and not when the holder already has a newer certificate of the same
scheme that is valid for longer (re-certified). Messages are in Indonesian with the English text below.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kompeten.certificates.models import Certificate, CertificateKind, CertificateStatus, ExpiryReminder
from kompeten.certificates.services import format_code

log = logging.getLogger("kompeten.notifications")

THRESHOLDS = (90, 30)  # days before the competence expires


def _bilingual(render: Callable[[], str], separator: str = "\n\n----- English -----\n\n") -> str:
    """The text in Indonesian, then in English (once only while there is no translation)."""
    with translation.override("id"):
        indonesian = render()
    with translation.override("en"):
        english = render()
    return indonesian if indonesian == english else f"{indonesian}{separator}{english}"


def _day(day: datetime.date) -> str:
    return day.strftime("%d-%m-%Y")


def _centre(cert: Certificate):
    """The training centre of the holder's assessment (or training), whose operators are told."""
    if cert.assessment_id:
        event = cert.assessment.event
        return event.centre or event.tuk.centre or event.lsp.centre
    if cert.enrolment_id:
        return cert.enrolment.batch.centre
    return None


def _holder_email(person) -> str:
    return person.email or (person.user.email if person.user_id and person.user.email else "")


def _details(cert: Certificate, days_left: int) -> dict:
    return {"name": cert.holder_name, "number": cert.number, "title": cert.title, "issuer": cert.issuer_name,
            "date": _day(cert.valid_until), "days": days_left,
            "url": f"{settings.KOMPETEN_BASE_URL}/verify/{format_code(cert.public_code)}"}


def _holder_messages(cert: Certificate, days_left: int) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) for the holder."""
    details = _details(cert, days_left)
    subject = _bilingual(lambda: _("Kompeten: your competency certificate expires on %(date)s") % details,
                         separator=" / ")
    body = _bilingual(lambda: _(
        "Dear %(name)s,\n\n"
        "your competency certificate %(number)s (%(title)s), issued by %(issuer)s, is valid until %(date)s, "
        "%(days)s days from today.\n\n"
        "To remain certified, ask %(issuer)s or your training centre about re-certification before that date. "
        "Anyone can check the certificate at %(url)s\n") % details)
    with translation.override("id"):
        sms = _("Kompeten: %(name)s, your competency certificate %(number)s (%(title)s) expires on %(date)s. "
                "Ask %(issuer)s about re-certification.") % details
    return subject, body, sms


def _centre_messages(centre, items: list[tuple[Certificate, int]]) -> tuple[str, str]:
    lines = "\n".join(f"- {cert.number} · {cert.holder_name} · {cert.title} · {_day(cert.valid_until)} "
                      f"({days_left})" for cert, days_left in sorted(items, key=lambda item: item[1]))
    details = {"centre": centre.name, "count": len(items)}
    subject = _bilingual(lambda: _("Kompeten: %(count)s competency certificates of %(centre)s expire soon")
                         % details, separator=" / ")
    body = _bilingual(lambda: _(
        "These holders assessed at %(centre)s were reminded today that their competence expires "
        "(number · holder · scheme · valid until (days left)):") % details) + "\n\n" + lines + "\n"
    return subject, body


def _deliver_to_holder(cert: Certificate, days_left: int) -> None:
    subject, body, sms = _holder_messages(cert, days_left)
    person = cert.person
    email = _holder_email(person)
    if email:
        send_mail(subject, body, None, [email], fail_silently=True)
    if person.phone:
        try:
            import_string(settings.KOMPETEN_SMS_BACKEND)().send(person.phone, sms)
        except Exception:  # a gateway failure must not stop the other reminders
            log.exception("expiry reminder SMS for certificate %s failed", cert.pk)


def _operators(centre) -> list[str]:
    from kompeten.accounts.models import Membership, Role

    return sorted(set(Membership.objects.filter(
        role=Role.CENTRE_OPERATOR, centre=centre, is_active=True, user__is_active=True, user__email__isnull=False)
        .exclude(user__email="").values_list("user__email", flat=True)))


def due(today: datetime.date):
    """Active competency certificates whose competence ends within the largest threshold (today included)."""
    return (Certificate.objects.filter(kind=CertificateKind.COMPETENCY, status=CertificateStatus.ACTIVE,
                                       valid_until__gte=today,
                                       valid_until__lte=today + datetime.timedelta(days=max(THRESHOLDS)))
            .select_related("person__user", "assessment__event__centre", "assessment__event__tuk__centre",
                            "assessment__event__lsp__centre", "enrolment__batch__centre")
            .order_by("valid_until", "pk"))


def _recertified(cert: Certificate) -> bool:
    return Certificate.objects.filter(
        person=cert.person_id, kind=CertificateKind.COMPETENCY, scheme_code=cert.scheme_code,
        status=CertificateStatus.ACTIVE, valid_until__gt=cert.valid_until).exists()


def send_expiry_reminders(today: datetime.date | None = None) -> int:
    """Send the reminders due ``today`` (default: today); returns how many certificates' holders were reminded."""
    today = today or timezone.localdate()
    reminded: list[tuple[Certificate, int]] = []
    for cert in due(today):
        days_left = (cert.valid_until - today).days
        reached = [threshold for threshold in THRESHOLDS if days_left <= threshold]
        if not reached or _recertified(cert):
            continue
        with transaction.atomic():
            Certificate.objects.select_for_update().filter(pk=cert.pk).first()  # one run at a time per certificate
            done = set(ExpiryReminder.objects.filter(certificate=cert).values_list("days_before", flat=True))
            new = [threshold for threshold in reached if threshold not in done]
            if not new:
                continue
            now = timezone.now()
            ExpiryReminder.objects.bulk_create(
                ExpiryReminder(certificate=cert, days_before=threshold, sent_at=now) for threshold in new)
            transaction.on_commit(lambda cert=cert, days_left=days_left: _deliver_to_holder(cert, days_left))
        reminded.append((cert, days_left))

    by_centre: dict[int, list[tuple[Certificate, int]]] = defaultdict(list)
    centres = {}
    for cert, days_left in reminded:
        centre = _centre(cert)
        if centre is not None:
            centres[centre.pk] = centre
            by_centre[centre.pk].append((cert, days_left))
    for pk, items in by_centre.items():
        recipients = _operators(centres[pk])
        if recipients:
            subject, body = _centre_messages(centres[pk], items)
            send_mail(subject, body, None, recipients, fail_silently=True)
    if reminded:
        log.info("expiry reminders sent for %s certificates", len(reminded))
    return len(reminded)
