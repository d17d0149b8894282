"""Forms of the outcome tracer: the public survey, an officer's outcome (phone follow-up, person's page) and the
AK/1 card's six-monthly report."""

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kompeten.core.forms import StyledFormMixin
from kompeten.jobs.models import WORKING, Ak1Report, OutcomeStatus, WageBand
from kompeten.reference.models import Sector


class SectorField(forms.ModelChoiceField):
    """The reference sectors, named in the interface language."""

    def label_from_instance(self, obj):
        if (translation.get_language() or "").startswith("en") and obj.name_en:
            return obj.name_en
        return obj.name


class SituationForm(forms.Form):
    """Situation, employer (when employed), sector and monthly income band (when in work)."""

    status = forms.ChoiceField(label=_("Your situation now"), choices=OutcomeStatus.choices, widget=forms.RadioSelect)
    employer = forms.CharField(label=_("Employer (company or institution)"), max_length=200, required=False)
    sector = SectorField(label=_("Sector of the work"), queryset=Sector.objects.order_by("order", "key"),
                         required=False, empty_label=_("Choose…"))
    wage_band = forms.ChoiceField(label=_("Monthly income"), choices=[("", _("Rather not say")), *WageBand.choices],
                                  required=False, widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        status = data.get("status")
        data["employer"] = (data.get("employer") or "").strip()
        if status and status not in WORKING:
            # Only a person in work has an employer, a sector and an income from work.
            data.update(employer="", sector=None, wage_band="")
        elif status == OutcomeStatus.EMPLOYED and not data["employer"]:
            self.add_error("employer", _("Give the name of the employer."))
        return data


class SurveyForm(SituationForm):
    """The public survey (phone-first: plain radio buttons, no script)."""

    status = forms.ChoiceField(label=_("What are you doing now?"), choices=OutcomeStatus.choices,
                               widget=forms.RadioSelect)


class OutcomeForm(StyledFormMixin, SituationForm):
    """An officer records a person's situation (phone follow-up or what they learnt otherwise)."""

    status = forms.ChoiceField(label=_("Situation"), choices=OutcomeStatus.choices, widget=forms.RadioSelect)
    on = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The date of a situation cannot be in the future."))
        return on


class Ak1ReportForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Report"), choices=Ak1Report.Status.choices, widget=forms.RadioSelect)
    on = forms.DateField(label=_("Report date"), widget=forms.DateInput(attrs={"type": "date"}))
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False,
                               help_text=_("When placed in work."))

    def __init__(self, *args, issued=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.issued = issued
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The report date cannot be in the future."))
        if self.issued and on < self.issued:
            raise forms.ValidationError(_("The report date is before the card was issued."))
        return on

    def clean(self):
        data = super().clean()
        data["employer"] = (data.get("employer") or "").strip()
        if data.get("status") == Ak1Report.Status.PLACED and not data["employer"]:
            self.add_error("employer", _("Give the name of the employer."))
        if data.get("status") == Ak1Report.Status.SEEKING:
            data["employer"] = ""
        return data
