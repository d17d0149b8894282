"""Forms of the assessment pages. The rules (licences, limits, windows) are checked by services.py; the forms
only read and type the input, and offer the choices the user may make."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kompeten.assessment.models import (
    Assessment,
    Assessor,
    Decision,
    EventStatus,
    Scheme,
    Tuk,
)
from kompeten.core.forms import StyledFormMixin
from kompeten.programmes.models import Batch, BatchStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECK = {"class": "form-check-input"}
RESULT_CHOICES = [(Decision.K.value, _("K · Kompeten")), (Decision.BK.value, _("BK · Belum Kompeten"))]


def tuks_for(user):
    """The TUKs where the user may hold an event: all for a province admin; those of an operator's centres and
    of the LSPs a manager runs."""
    tuks = Tuk.objects.filter(is_active=True).select_related("lsp", "centre")
    if user.is_province_admin:
        return tuks
    return tuks.filter(Q(centre__in=user.centre_ids) | Q(lsp__in=user.lsp_ids))


def assessor_label(assessor: Assessor) -> str:
    return f"{assessor.user.full_name} ({assessor.registration_number}) · {assessor.lsp.name}"


class EventFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")),
                                                                           *EventStatus.choices])
    scheme = forms.ModelChoiceField(label=_("Scheme"), required=False, queryset=Scheme.objects.all(),
                                    empty_label=_("All schemes"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.update({"class": css, "id": f"f-{name}"})
        self.fields["scheme"].label_from_instance = lambda s: s.code


class EventForm(StyledFormMixin, forms.Form):
    scheme = forms.ModelChoiceField(label=_("Certification scheme"), queryset=Scheme.objects.none())
    tuk = forms.ModelChoiceField(label="TUK", queryset=Tuk.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    assessors = forms.ModelMultipleChoiceField(
        label=_("Assessors"), queryset=Assessor.objects.none(), widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        help_text=_("Assessors of the TUK's LSP, licensed for the scheme on the date."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        tuks = tuks_for(user)
        self.fields["tuk"].queryset = tuks
        self.fields["tuk"].label_from_instance = lambda t: f"{t.name} · {t.lsp.name}"
        self.fields["scheme"].queryset = Scheme.objects.filter(
            is_active=True, lsps__in=tuks.values("lsp")).distinct()
        self.fields["assessors"].queryset = (Assessor.objects.filter(is_active=True, lsp__in=tuks.values("lsp"))
                                             .select_related("user", "lsp"))
        self.fields["assessors"].label_from_instance = assessor_label

    def clean(self):
        data = super().clean()
        tuk, assessors = data.get("tuk"), data.get("assessors")
        if tuk and assessors:
            others = [a for a in assessors if a.lsp_id != tuk.lsp_id]
            if others:
                self.add_error("assessors", _("%(names)s do(es) not assess for %(lsp)s, the LSP of this TUK.") % {
                    "names": ", ".join(a.user.full_name for a in others), "lsp": tuk.lsp.name})
        return data


class BatchesForm(forms.Form):
    batches = forms.ModelMultipleChoiceField(label=_("Completed batches"), queryset=Batch.objects.none(),
                                             widget=forms.CheckboxSelectMultiple(attrs=CHECK))

    def __init__(self, *args, user, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batches"].queryset = completed_batches(user, event)
        self.fields["batches"].label_from_instance = (
            lambda b: f"{b.centre.short_name} · {b.package.name} · {_('Angkatan')} {b.number} "
                      f"({b.end_date:%d-%m-%Y})")


def completed_batches(user, event):
    """The user's finished batches whose package prepares for the event's scheme."""
    return (Batch.objects.visible_to(user)
            .filter(package__scheme=event.scheme_id, status__in=[BatchStatus.COMPLETED, BatchStatus.CLOSED])
            .select_related("centre", "package").order_by("-end_date", "number"))


class RplForm(StyledFormMixin, forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("Find and choose the person first.")})
    work_experience = forms.CharField(
        label=_("Work experience"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where, what and how long: the LSP checks it against the scheme (RPL)."))


class ReassessmentForm(StyledFormMixin, forms.Form):
    previous = forms.ModelChoiceField(label=_("Earlier assessment"), queryset=Assessment.objects.none())

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["previous"].queryset = queryset
        self.fields["previous"].label_from_instance = (
            lambda a: f"{a.person.full_name} · {a.event.date:%d-%m-%Y} · {a.get_decision_display()}")


class AssignForm(forms.Form):
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=Assessor.objects.none())

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = event.assessors.select_related("user")


class Apl02Form(forms.Form):
    """FR.APL.02: one K / BK answer per unit of the candidate's file."""

    def __init__(self, *args, results, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in results:
            name = f"unit_{row.unit_id}"
            self.fields[name] = forms.ChoiceField(label=f"{row.unit.code} {row.unit.title}", choices=RESULT_CHOICES,
                                                  widget=forms.RadioSelect(attrs=CHECK),
                                                  initial=row.self_assessment or None)
            self.rows.append((row, self[name]))

    def answers(self) -> dict[int, str]:
        return {row.unit_id: self.cleaned_data[f"unit_{row.unit_id}"] for row, _field in self.rows}


class AmendForm(StyledFormMixin, forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    new_result = forms.ChoiceField(label=_("Corrected result"), choices=RESULT_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(r.unit_id, f"{r.unit.code} {r.unit.title}")
                                       for r in candidate.results.select_related("unit")]


class AppealForm(StyledFormMixin, forms.Form):
    grounds = forms.CharField(label=_("Grounds of the appeal"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Say which unit(s) and why you think the decision is wrong."))


class AppealDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect(attrs=CHECK), choices=[
        ("upheld", _("Upheld: the candidate is re-assessed")),
        ("rejected", _("Rejected: the decision stands")),
    ])
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("What the LSP found; the candidate reads it."))
