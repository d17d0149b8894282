"""Forms of the matching rounds, the candidate's choices, placements, the logbook, monitoring and completion.

The forms only read and shape what the user typed; every rule is in services.py (DomainError), called by the
views. Choices offered to a user come from scoped querysets (``visible_to``), so a form never lists what the user
may not see.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kompeten.apprenticeships import rules
from kompeten.apprenticeships.models import (
    Company,
    MatchingRound,
    Mentor,
    MonitoringVisit,
    Offer,
    OfferStatus,
    PlacementStatus,
)
from kompeten.core.forms import StyledFormMixin
from kompeten.formats import rupiah
from kompeten.programmes.models import ProgrammeYear
from kompeten.registry.documents import ACCEPT
from kompeten.registry.models import Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERSON_CHOICES_SHOWN = 50


def offer_label(offer: Offer) -> str:
    """An offer as a candidate or an officer recognises it (needs the company loaded)."""
    return f"{offer.company.name} · {offer.title} ({offer.start_date:%d-%m-%Y}, {rupiah(offer.allowance)})"


# --- rounds ---------------------------------------------------------------------------------------


class RoundForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = MatchingRound
        fields = ["programme_year", "name", "opens_at", "closes_at", "max_choices", "pool"]
        widgets = {"opens_at": DATE, "closes_at": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme_year"].queryset = ProgrammeYear.objects.order_by("-year")
        if not self.is_bound and not self.initial.get("programme_year"):
            self.initial["programme_year"] = ProgrammeYear.objects.order_by("-year").values_list(
                "pk", flat=True).first()

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes < opens:
            self.add_error("closes_at", _("Applications must close on or after the day they open."))
        return data


class ApplyForm(StyledFormMixin, forms.Form):
    """Up to ``max_choices`` offers in order of preference: one select per rank ("Choice 1..n"), no JavaScript."""

    def __init__(self, *args, offers, max_choices: int, initial_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {offer.pk: offer for offer in offers}
        options = [("", _("— none —")), *[(str(o.pk), offer_label(o)) for o in offers]]
        initial_ids = list(initial_ids)
        for i in range(1, min(max_choices, len(offers)) + 1):
            field = forms.ChoiceField(label=_("Choice %(n)s") % {"n": i}, choices=options, required=i == 1,
                                      initial=str(initial_ids[i - 1]) if i <= len(initial_ids) else "")
            field.widget.attrs["class"] = "form-select"
            self.fields[f"choice_{i}"] = field
        self.choice_fields = [self[name] for name in self.fields]

    def clean(self):
        data = super().clean()
        names = sorted((name for name in self.fields), key=lambda name: int(name.split("_")[1]))
        picked = [int(data[name]) for name in names if data.get(name)]
        if len(set(picked)) != len(picked):
            raise ValidationError(_("Each offer may be chosen only once."), code="duplicate_choice")
        data["offers"] = [self.offers[pk] for pk in picked]
        return data


# --- placements -----------------------------------------------------------------------------------


def approved_offers():
    return Offer.objects.filter(status=OfferStatus.APPROVED).select_related("company").order_by(
        "company__name", "start_date", "title")


class DirectPlacementForm(StyledFormMixin, forms.Form):
    """A direct placement by an officer: a person the officer can see, an approved offer, the reason."""

    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none(),
                                    help_text=_("Search by name or NIK above to find the person."))
    offer = forms.ModelChoiceField(label=_("Approved offer"), queryset=Offer.objects.none())
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE,
                                 help_text=_("Empty: the offer's start date."))
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=Mentor.objects.none(), required=False,
                                    help_text=_("Empty: the offer's first mentor."))
    reason = forms.CharField(label=_("Reason for placing directly"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        persons = Person.objects.visible_to(user).order_by("full_name", "pk")
        if self.is_bound:
            self.fields["person"].queryset = persons
        else:
            search = (search or "").strip()
            shown = persons.none()
            if search:
                shown = persons.filter(Q(full_name__icontains=search) | Q(nik__startswith=search))
            initial = self.initial.get("person")
            if initial:
                shown = persons.filter(Q(pk__in=shown.values("pk")) | Q(pk=getattr(initial, "pk", initial)))
            self.fields["person"].queryset = shown[:PERSON_CHOICES_SHOWN] if search or initial else shown
        self.fields["person"].label_from_instance = lambda p: f"{p.full_name} · {p.masked_nik}"
        self.fields["offer"].queryset = approved_offers()
        self.fields["offer"].label_from_instance = offer_label
        self.fields["mentor"].queryset = Mentor.objects.filter(is_active=True).select_related("company").order_by(
            "company__name", "name")
        self.fields["mentor"].label_from_instance = lambda m: f"{m.name} · {m.company.name}"

    def clean(self):
        data = super().clean()
        offer, mentor = data.get("offer"), data.get("mentor")
        if offer and mentor and mentor.company_id != offer.company_id:
            self.add_error("mentor", _("%(mentor)s is not a mentor of %(company)s.") % {
                "mentor": mentor.name, "company": offer.company.name})
        return data


# Moves a user may make on the placement's page (completion has its own form).
TRANSITION_CHOICES = [
    (PlacementStatus.SIGNED, _("Agreement signed by both")),
    (PlacementStatus.ACTIVE, _("Started / resumed")),
    (PlacementStatus.PAUSED, _("Paused")),
    (PlacementStatus.STOPPED, _("Stopped")),
]


class TransitionForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=TRANSITION_CHOICES)
    on = forms.DateField(label=_("Date"), required=False, widget=DATE, help_text=_("Empty: today."))
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False,
                             help_text=_("Needed to pause or stop."))

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["status"].choices = [(v, label) for v, label in TRANSITION_CHOICES if v in allowed]

    def clean_on(self):
        day = self.cleaned_data.get("on")
        if day and day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")
        return day


class ScanForm(forms.Form):
    scan = forms.FileField(label=_("Scan of the agreement signed by both parties (PDF, JPG or PNG)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}))


class TransferForm(StyledFormMixin, forms.Form):
    offer = forms.ModelChoiceField(label=_("Approved offer of the other company"), queryset=Offer.objects.none())
    start_date = forms.DateField(label=_("Starts at the other company on"), required=False, widget=DATE,
                                 help_text=_("Empty: today."))
    reason = forms.CharField(label=_("Reason for the change of company"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = approved_offers().exclude(company=placement.company_id)
        self.fields["offer"].label_from_instance = offer_label


class VisitForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = MonitoringVisit
        fields = ["on", "kind", "findings", "follow_up"]
        widgets = {"on": DATE, "findings": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class CompleteForm(StyledFormMixin, forms.Form):
    passed = forms.TypedChoiceField(label=_("Result of the final assessment"), widget=forms.RadioSelect,
                                    choices=[("1", _("Passed")), ("0", _("Not passed"))],
                                    coerce=lambda value: value == "1")
    score = forms.IntegerField(label=_("Final score (0–100)"), min_value=0, max_value=100, required=False)
    notes = forms.CharField(label=_("Assessment notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


# --- logbook --------------------------------------------------------------------------------------


def _week_label(monday: datetime.date) -> str:
    sunday = monday + datetime.timedelta(days=6)
    return _("Week of %(monday)s – %(sunday)s") % {"monday": date_format(monday, "j M"),
                                                    "sunday": date_format(sunday, "j M Y")}


def writable_weeks(placement, *, today=None, confirmed=()) -> list[datetime.date]:
    """The Mondays the apprentice may write, newest first: from the first week to this week (or the end),
    without the weeks the mentor has confirmed."""
    today = today or timezone.localdate()
    first = rules.week_start(placement.started_on or placement.start_date)
    last = min(rules.week_start(today), rules.week_start(placement.end_date))
    confirmed = set(confirmed)
    weeks, week = [], last
    while week >= first:
        if week not in confirmed:
            weeks.append(week)
        week -= datetime.timedelta(days=7)
    return weeks


class LogbookForm(StyledFormMixin, forms.Form):
    week_start = forms.TypedChoiceField(label=_("Week"), coerce=datetime.date.fromisoformat)
    activities = forms.CharField(label=_("What I did and learned"), max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    practice_hours = forms.IntegerField(label=_("Practice hours"), min_value=0, max_value=80, initial=0)
    theory_hours = forms.IntegerField(label=_("Theory hours"), min_value=0, max_value=80, initial=0)

    def __init__(self, *args, weeks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week_start"].choices = [(week.isoformat(), _week_label(week)) for week in weeks]
        if weeks and not self.is_bound:
            self.initial.setdefault("week_start", weeks[0].isoformat())
        for name in ("practice_hours", "theory_hours"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class ConfirmForm(forms.Form):
    note = forms.CharField(label=_("Mentor's note"), max_length=255, required=False)


# --- the list of placements -----------------------------------------------------------------------


class PlacementFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *PlacementStatus.choices])
    company = forms.ModelChoiceField(label=_("Company"), required=False, queryset=Company.objects.none(),
                                     empty_label=_("All companies"))
    flagged = forms.BooleanField(label=_("Only flagged (no confirmed logbook week for 3 weeks)"), required=False)

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
