from django import forms
from django.utils.translation import gettext_lazy as _

from kompeten.privacy.models import RequestKind, RequestStatus


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=RequestKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    details = forms.CharField(
        label=_("Details"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=_("For a correction: what is wrong and what is right. For a restriction: which processing."))

    def clean(self):
        data = super().clean()
        if data.get("kind") == RequestKind.CORRECTION and not (data.get("details") or "").strip():
            self.add_error("details", _("Say what should be corrected."))
        return data


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"),
                               choices=[(s.value, s.label) for s in RequestStatus if s != RequestStatus.RECEIVED],
                               widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label=_("What was done (or why not)"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))
