from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kompeten.core.forms import StyledFormMixin
from kompeten.programmes.models import Batch, BatchStatus, ProgrammeYear, TrainingCentre
from kompeten.reference.models import Region
from kompeten.selection.models import DEFAULT_RULES, MAX_CHOICES, PriorityRule

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
RULE_SLOTS = len(PriorityRule.choices)


def batch_label(batch) -> str:
    """A batch as applicants know it: centre, package and angkatan number (needs package and centre loaded)."""
    return f"{batch.centre.short_name} · {batch.package.name} · {_('Angkatan')} {batch.number}"


def _add(form, name, field):
    """A field added after StyledFormMixin styled the declared ones gets the same Bootstrap class."""
    if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " " + css).strip()
    form.fields[name] = field


def _rule_fields(form, initial_rules):
    """Ordered rule selects "Rule 1..n": empty means unused."""
    for i in range(1, RULE_SLOTS + 1):
        _add(form, f"rule_{i}", forms.ChoiceField(
            label=_("Rule %(n)s") % {"n": i}, required=False,
            choices=[("", _("— not used —")), *PriorityRule.choices],
            initial=initial_rules[i - 1] if i <= len(initial_rules) else "",
        ))


def _clean_rules(form, data) -> list[str]:
    rules = [data.get(f"rule_{i}") for i in range(1, RULE_SLOTS + 1)]
    rules = [rule for rule in rules if rule]
    if len(set(rules)) != len(rules):
        raise ValidationError(_("Each priority rule may be used only once."), code="duplicate_rule")
    return rules


class RoundForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    programme_year = forms.ModelChoiceField(label=_("Programme year"), queryset=ProgrammeYear.objects.all())
    centres = forms.ModelMultipleChoiceField(label=_("Training centres"), queryset=TrainingCentre.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)
    opens_at = forms.DateTimeField(label=_("Registration opens"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    closes_at = forms.DateTimeField(label=_("Registration closes"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    results_at = forms.DateTimeField(label=_("Results announced on"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    offer_days = forms.IntegerField(label=_("Days to confirm an offer (daftar ulang)"), min_value=1, max_value=30,
                                    initial=3)
    uses_document_check = forms.BooleanField(label=_("Document check"), required=False, initial=True)
    uses_test = forms.BooleanField(label=_("Written test"), required=False)
    uses_interview = forms.BooleanField(label=_("Interview"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centres"].queryset = TrainingCentre.objects.visible_to(user).order_by("name")
        self.fields["centres"].label_from_instance = lambda c: c.short_name
        _rule_fields(self, [str(rule) for rule in DEFAULT_RULES])
        self.rule_fields = [self[f"rule_{i}"] for i in range(1, RULE_SLOTS + 1)]

    def clean(self):
        data = super().clean()
        opens, closes, results = data.get("opens_at"), data.get("closes_at"), data.get("results_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Registration must close after it opens."))
        if closes and results and results < closes:
            self.add_error("results_at", _("Results come after registration closes."))
        try:
            data["rules"] = _clean_rules(self, data)
        except ValidationError as error:
            self.add_error(None, error)
            return data
        if PriorityRule.TEST_SCORE in data["rules"] and not data.get("uses_test"):
            self.add_error("uses_test", _("The written test score rule needs the written test stage."))
        if PriorityRule.INTERVIEW_SCORE in data["rules"] and not data.get("uses_interview"):
            self.add_error("uses_interview", _("The interview score rule needs the interview stage."))
        return data


class ApplyForm(StyledFormMixin, forms.Form):
    """Up to five eligible batches in order of preference: selects "Choice 1..5", no JavaScript needed."""

    def __init__(self, *args, batches, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", _("— none —")), *[(str(b.pk), batch_label(b)) for b in batches]]
        for i in range(1, min(MAX_CHOICES, len(batches)) + 1):
            _add(self, f"choice_{i}", forms.ChoiceField(label=_("Choice %(n)s") % {"n": i}, choices=options,
                                                        required=i == 1))

    def clean(self):
        data = super().clean()
        picked = [int(data[name]) for name in sorted(self.fields) if data.get(name)]
        if len(set(picked)) != len(picked):
            raise ValidationError(_("Each batch may be chosen only once."), code="duplicate_choice")
        data["batch_ids"] = picked
        return data


class AddBatchForm(StyledFormMixin, forms.Form):
    batch = forms.ModelChoiceField(label=_("Open batch"), queryset=Batch.objects.none())

    def __init__(self, *args, round_, user, **kwargs):
        super().__init__(*args, **kwargs)
        centres = round_.centres.all()
        if not user.is_province_admin:
            centres = centres.filter(pk__in=user.centre_ids)
        self.fields["batch"].queryset = (Batch.objects.visible_to(user).filter(centre__in=centres,
                                                                                 status=BatchStatus.OPEN)
                                         .exclude(round_batches__round=round_)
                                         .select_related("centre", "package").order_by("centre", "start_date"))
        self.fields["batch"].label_from_instance = lambda b: f"{batch_label(b)} ({b.start_date:%d-%m-%Y})"


class ReservesForm(StyledFormMixin, forms.Form):
    """Seats of one batch reserved per group: women, persons with disabilities, residents of a regency."""

    women = forms.IntegerField(label=_("Women"), min_value=0, max_value=999, required=False)
    disability = forms.IntegerField(label=_("Persons with disabilities"), min_value=0, max_value=999, required=False)

    def __init__(self, *args, round_batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.seats = round_batch.seats
        reserves = round_batch.reserves or {}
        province = round_batch.batch.centre.region_id[:2]
        self.regencies = list(Region.objects.filter(level=Region.Level.REGENCY, parent_id=province).order_by("code"))
        for regency in self.regencies:
            _add(self, f"regency:{regency.code}", forms.IntegerField(
                label=regency.name, min_value=0, max_value=999, required=False))
        for name in self.fields:
            self.fields[name].initial = reserves.get(name) or None
        self.group_fields = [self["women"], self["disability"]]
        self.regency_fields = [self[f"regency:{r.code}"] for r in self.regencies]

    def clean(self):
        data = super().clean()
        data["reserves"] = {name: data[name] for name in self.fields if data.get(name)}
        if sum(data["reserves"].values()) > self.seats:
            raise ValidationError(_("Reserved seats (%(n)s) are more than the batch's %(seats)s seats in the round."),
                                  code="too_many_reserved", params={"n": sum(data["reserves"].values()),
                                                                    "seats": self.seats})
        return data


class StageForm(StyledFormMixin, forms.Form):
    """The result of one selection stage: documents accepted yes/no, or a score 0–100."""

    def __init__(self, *args, stage, **kwargs):
        kwargs.setdefault("prefix", stage)
        super().__init__(*args, **kwargs)
        self.stage = stage
        if stage == "documents":
            _add(self, "value", forms.TypedChoiceField(
                label=_("Documents accepted"), choices=[("1", _("Yes")), ("0", _("No"))], widget=forms.RadioSelect,
                coerce=lambda v: v == "1"))
        else:
            label = _("Written test score (0–100)") if stage == "test" else _("Interview score (0–100)")
            _add(self, "value", forms.IntegerField(label=label, min_value=0, max_value=100))


class WhatIfForm(StyledFormMixin, forms.Form):
    """Another rule order and other seat numbers per batch, to compare with the round's own settings."""

    def __init__(self, *args, round_, round_batches, **kwargs):
        super().__init__(*args, **kwargs)
        _rule_fields(self, list(round_.rules))
        self.rule_fields = [self[f"rule_{i}"] for i in range(1, RULE_SLOTS + 1)]
        for rb in round_batches:
            _add(self, f"seats_{rb.batch_id}", forms.IntegerField(
                label=batch_label(rb.batch), min_value=0, max_value=999, initial=rb.seats))
        self.seat_fields = [self[f"seats_{rb.batch_id}"] for rb in round_batches]
        self.round_batches = round_batches

    def clean(self):
        data = super().clean()
        data["rules"] = _clean_rules(self, data)
        data["seats"] = {rb.batch_id: data[f"seats_{rb.batch_id}"] for rb in self.round_batches
                         if data.get(f"seats_{rb.batch_id}") is not None}
        for rb in self.round_batches:
            seats = data["seats"].get(rb.batch_id)
            if seats is not None and seats < sum((rb.reserves or {}).values()):
                self.add_error(f"seats_{rb.batch_id}", _("Fewer seats than the seats reserved (%(n)s).")
                               % {"n": sum(rb.reserves.values())})
        return data
