from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.core.forms import StyledFormMixin
from kompeten.linkage.importer import FIRST_YEAR, KINDS
from kompeten.programmes.models import TrainingCentre


class ListImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    kind = forms.ChoiceField(label=_("Kind of list"), choices=KINDS)
    year = forms.IntegerField(label=_("Year of the trainings"), help_text=_(
        "Used for the rows without a year of their own (column tahun)."))
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False, help_text=_(
        "Who trained them, for example UPTD BLKI Balikpapan (default: the training centre)."))
    centre = forms.ModelChoiceField(label=_("Training centre"), queryset=TrainingCentre.objects.none(),
                                    required=False)
    valid_only = forms.BooleanField(label=_("Import the valid rows even if some rows have errors"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": timezone.localdate().year})
        if user.is_province_admin:
            self.fields["centre"].queryset = TrainingCentre.objects.order_by("name")
        else:
            del self.fields["centre"]  # an operator imports for their own centre

    def clean_year(self):
        year = self.cleaned_data["year"]
        last = timezone.localdate().year
        if not FIRST_YEAR <= year <= last:
            raise forms.ValidationError(_("Give a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR,
                                                                                       "last": last})
        return year


class UndoMergeForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is this merge wrong?"), max_length=255)


class ContestForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Why is this training not yours?"), max_length=255, widget=forms.Textarea(
        attrs={"rows": 2}))
