"""Telling job seekers about invitations and outcome surveys, through the same email and SMS / WhatsApp adapter as
the selection's notifications (settings.KOMPETEN_SMS_BACKEND). In Indonesian: people read them on their phones."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kompeten.selection.notifications import _send


def invited(invitation) -> None:
    person = invitation.person
    with translation.override("id"):
        text = _("Kompeten: %(name)s, %(company)s invites you to apply for %(job)s. Answer on your page: "
                 "%(link)s") % {"name": person.full_name, "company": invitation.vacancy.company.name,
                                "job": invitation.vacancy.title,
                                "link": settings.KOMPETEN_BASE_URL + reverse("jobs:mine")}
        _send(person, _("Job invitation"), text)


def survey_link(survey) -> str:
    return settings.KOMPETEN_BASE_URL + reverse("jobs:survey", args=[survey.token])


def survey_sent(survey) -> None:
    person = survey.person
    with translation.override("id"):
        text = _("Kompeten: %(name)s, how is your work going %(months)s months after your training? Two minutes: "
                 "%(link)s") % {"name": person.full_name, "months": survey.months, "link": survey_link(survey)}
        _send(person, _("How is your work going?"), text)
