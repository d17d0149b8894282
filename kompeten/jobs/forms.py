"""Forms of the vacancy pages. The rules are services.py's (vacancy_problems, save_vacancy, invite, record_hire);
the forms read and type the input, offer the choices the user may make, and put each refusal next to its field."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.apprenticeships.models import Company
from kompeten.assessment.models import Scheme
from kompeten.core.forms import StyledFormMixin
from kompeten.jobs import services
from kompeten.jobs.models import Vacancy, VacancyStatus
from kompeten.programmes.models import Vocation
from kompeten.reference.models import Kbji, Kbli, Region, Sector

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECK = {"class": "form-check-input"}
MAX_RUPIAH = 999_999_999


def province_regencies():
    """The regencies and cities of the office's province (settings.KOMPETEN_OFFICE_PROVINCE)."""
    return Region.objects.filter(level=Region.Level.REGENCY,
                                 parent_id=settings.KOMPETEN_OFFICE_PROVINCE).order_by("code")


class RupiahField(forms.IntegerField):
    """An amount in rupiah; "Rp3.500.000", "3.500.000" and "3500000" are the same."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("Rp").removeprefix("rp").removeprefix("RP").strip()
            value = value.removesuffix(",00").removesuffix(",-").replace(".", "").replace(" ", "")
        return super().to_python(value)


class VacancyForm(StyledFormMixin, forms.ModelForm):
    """A vacancy with the fields of a Perpres 57/2023 vacancy report. clean() puts each problem that
    services.vacancy_problems finds next to its field."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    wage_min = RupiahField(label=_("Wage from (Rp/month)"), required=False, min_value=0, max_value=MAX_RUPIAH,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                           help_text=_("For example 3.500.000."))
    wage_max = RupiahField(label=_("Wage up to (Rp/month)"), required=False, min_value=0, max_value=MAX_RUPIAH,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    class Meta:
        model = Vacancy
        fields = ["title", "occupation", "sector", "kbli", "number_needed", "valid_from", "valid_until", "min_age",
                  "max_age", "sex", "min_education", "vocations", "scheme", "experience_years", "wage_min",
                  "wage_max", "region", "description"]
        widgets = {
            "valid_from": DATE,
            "valid_until": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "vocations": forms.CheckboxSelectMultiple(attrs=CHECK),
        }
        help_texts = {
            "title": _("As the company calls the job, for example \"Mekanik Alat Berat\"."),
            "sex": _("Leave empty unless the work itself requires a man or a woman."),
            "vocations": _("Candidates trained in these vocations come first on the shortlist."),
            "scheme": _("Candidates holding this competency certificate come first on the shortlist."),
            "experience_years": _("0 when no experience is needed."),
        }

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or companies is None or len(companies) == 1:
            del self.fields["company"]
            self.chosen_company = self.instance.company if self.instance.pk else (companies[0] if companies else None)
        else:
            self.chosen_company = None
            self.fields["company"].queryset = Company.objects.filter(pk__in=[c.pk for c in companies])
            self.order_fields(["company"])
        self.fields["occupation"].queryset = Kbji.objects.order_by("code")
        self.fields["occupation"].help_text = _("The occupation in the KBJI 2014 classification.")
        self.fields["sector"].queryset = Sector.objects.all()
        self.fields["kbli"].queryset = Kbli.objects.filter(version="2020").order_by("code")
        self.fields["kbli"].help_text = _("The business field (KBLI 2020) of the job, when it differs from the "
                                          "company's.")
        self.fields["min_education"].label_from_instance = lambda e: e.name
        self.fields["vocations"].queryset = Vocation.objects.order_by("name")
        self.fields["vocations"].label_from_instance = lambda v: v.name
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True).order_by("code")
        self.fields["scheme"].label_from_instance = lambda s: f"{s.code} {s.title}"
        self.fields["region"].queryset = province_regencies()
        self.fields["region"].label_from_instance = lambda r: r.name
        self.fields["sex"].choices = [("", _("Any")), *Vacancy._meta.get_field("sex").choices]
        for name in ("min_age", "max_age"):
            self.fields[name].widget.attrs.update({"min": 15, "max": 100})
        self.fields["number_needed"].widget.attrs["min"] = 1
        if not self.instance.pk:
            today = timezone.localdate()
            self.initial.setdefault("valid_from", today)
            if self.chosen_company is not None and self.chosen_company.sector_id:
                self.initial.setdefault("sector", self.chosen_company.sector_id)
            if self.chosen_company is not None and self.chosen_company.region_id:
                self.initial.setdefault("region", self.chosen_company.region_id)

    def clean_min_age(self):
        return self._age("min_age")

    def clean_max_age(self):
        return self._age("max_age")

    def _age(self, name):
        age = self.cleaned_data.get(name)
        if age is not None and not 15 <= age <= 100:
            raise ValidationError(_("Give an age from 15 to 100."))
        return age

    def clean(self):
        data = super().clean()
        for field, error in services.vacancy_problems(
                valid_from=data.get("valid_from"), valid_until=data.get("valid_until"), min_age=data.get("min_age"),
                max_age=data.get("max_age"), wage_min=data.get("wage_min"), wage_max=data.get("wage_max")):
            if field not in self.errors:
                self.add_error(field, error.message)
        needed = data.get("number_needed")
        if needed is not None and self.instance.pk and needed < self.instance.filled:
            self.add_error("number_needed", _("%(filled)s are already hired; the number needed cannot be lower.")
                           % {"filled": self.instance.filled})
        return data

    def build(self) -> Vacancy:
        """The unsaved vacancy (services.save_vacancy checks, saves and audits it)."""
        vacancy = super().save(commit=False)
        if not vacancy.company_id:
            vacancy.company = self.chosen_company or self.cleaned_data["company"]
        return vacancy


class VacancyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sector = forms.ModelChoiceField(label=_("Sector"), required=False, queryset=Sector.objects.all(),
                                    empty_label=_("All sectors"))
    region = forms.ModelChoiceField(label=_("Work location"), required=False, queryset=Region.objects.none(),
                                    empty_label=_("All regencies / cities"))
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = province_regencies()
        self.fields["region"].label_from_instance = lambda r: r.name
        self.fields["status"].choices = [("", _("All statuses")), *statuses]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.update({"class": css, "id": f"f-{name}"})
        self.fields["q"].widget.attrs["placeholder"] = _("Job, company or occupation")


class InviteForm(forms.Form):
    person = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    message = forms.CharField(label=_("Message to the candidate (optional)"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class HireForm(StyledFormMixin, forms.Form):
    """Part of a vacancy filled: how many, when, and optionally who (a candidate who accepted an invitation)."""

    count = forms.IntegerField(label=_("Number hired"), min_value=1, max_value=9999, initial=1)
    person = forms.ModelChoiceField(label=_("Person hired (optional)"), required=False, queryset=None,
                                    empty_label=_("Not named"),
                                    help_text=_("A candidate who accepted your invitation. Naming them records "
                                                "that they are in work."))
    on = forms.DateField(label=_("Hired on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons
        self.fields["person"].label_from_instance = lambda p: p.full_name
        self.initial.setdefault("on", timezone.localdate())
        self.fields["count"].widget.attrs["min"] = 1

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise ValidationError(services.MESSAGES["outcome_in_future"])
        return day

    def clean(self):
        data = super().clean()
        if data.get("person") is not None and data.get("count") not in (None, 1):
            self.add_error("count", _("A named person is one hire; record the others separately."))
        return data


class VacancyImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    valid_only = forms.BooleanField(label=_("Import the valid rows even if some rows have errors"), required=False)


OPEN_STATUSES = [(VacancyStatus.OPEN.value, VacancyStatus.OPEN.label)]
