from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kompeten.assessment.models import Scheme
from kompeten.core.forms import StyledFormMixin
from kompeten.programmes.models import (
    Batch,
    ProgrammeYear,
    Target,
    TrainingCentre,
    TrainingPackage,
    Vocation,
    default_required_documents,
)
from kompeten.registry.models import DocumentKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PackageForm(StyledFormMixin, forms.ModelForm):
    required_documents = forms.MultipleChoiceField(
        label=_("Documents required"), choices=DocumentKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple, initial=default_required_documents,
        help_text=_("An applicant must have uploaded these documents to apply."),
    )

    class Meta:
        model = TrainingPackage
        fields = ["centre", "vocation", "code", "name", "hours", "class_size", "attendance_threshold",
                  "has_final_test", "scheme", "min_age", "max_age", "min_education", "max_education", "domicile",
                  "require_not_in_school", "require_not_working", "required_documents", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = TrainingCentre.objects.visible_to(user)
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True)
        self.fields["vocation"].queryset = Vocation.objects.select_related("sector")
        from kompeten.reference.models import Region

        self.fields["domicile"].queryset = Region.objects.filter(level__in=["province", "regency"],
                                                                 code__startswith="64")

    def clean(self):
        data = super().clean()
        if data.get("min_age") and data.get("max_age") and data["min_age"] > data["max_age"]:
            self.add_error("max_age", _("The maximum age is below the minimum age."))
        low, high = data.get("min_education"), data.get("max_education")
        if low and high and low.order > high.order:
            self.add_error("max_education", _("The maximum education is below the minimum education."))
        return data


class BatchForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Batch
        fields = ["programme_year", "package", "start_date", "end_date", "capacity", "instructors", "location",
                  "funding_source"]
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = (TrainingPackage.objects.visible_to(user).filter(is_active=True)
                                           .select_related("centre"))
        self.fields["package"].label_from_instance = lambda p: f"{p.centre.short_name} · {p.name}"
        self.fields["programme_year"].queryset = ProgrammeYear.objects.all()
        self.fields["capacity"].required = False
        self.fields["capacity"].help_text = _("Empty: the package's class size.")
        if self.instance.pk:
            # Capacity and package of an existing batch change through their own actions.
            del self.fields["capacity"]
            self.fields["package"].disabled = True

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        if "capacity" in self.fields and not data.get("capacity") and data.get("package"):
            data["capacity"] = data["package"].class_size
        return data


class CapacityForm(StyledFormMixin, forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=999)


class ProgrammeYearForm(StyledFormMixin, forms.ModelForm):
    """A new programme year; its targets are then set on the year's page."""

    class Meta:
        model = ProgrammeYear
        fields = ["year", "name", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise ValidationError(_("Enter a year between 2000 and 2100."), code="year_range")
        return year


class TargetForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = ["kind", "centre", "sector", "number"]

    def __init__(self, *args, programme_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_year = programme_year

    def clean(self):
        data = super().clean()
        duplicate = Target.objects.filter(programme_year=self.programme_year, kind=data.get("kind"),
                                          centre=data.get("centre"), sector=data.get("sector"))
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise ValidationError(_("This target already exists; change its number instead."))
        return data
