"""Forms of the company and offer pages. The rules (verification, the Permenaker 6/2020 limits, decisions) are
services.py's; the forms read and type the input, offer the choices the user may make, and put a service's
refusal next to the field it is about."""

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kompeten.accounts.models import Role, User
from kompeten.apprenticeships import services
from kompeten.apprenticeships.models import (
    DEFAULT_CRITERIA,
    Company,
    CompanyDecision,
    MatchingRound,
    Mentor,
    Offer,
    RankingCriterion,
    RoundStatus,
)
from kompeten.assessment.models import Scheme
from kompeten.core.forms import StyledFormMixin
from kompeten.programmes.models import ProgrammeYear, Vocation
from kompeten.reference.models import Kbji, Kbli, Region, Sector
from kompeten.registry.phone import PhoneError, normalise_phone
from kompeten.registry.validation import PHONE_MESSAGES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECK = {"class": "form-check-input"}
NEW_PASSWORD = {"autocomplete": "new-password"}
CRITERIA_POSITIONS = len(RankingCriterion.values)
CRITERION_LABELS = [_("First criterion"), _("Second criterion"), _("Third criterion"), _("Fourth criterion"),
                    _("Fifth criterion")]


def province_regencies():
    """The regencies and cities of the office's province (settings.KOMPETEN_OFFICE_PROVINCE)."""
    return Region.objects.filter(level=Region.Level.REGENCY,
                                 parent_id=settings.KOMPETEN_OFFICE_PROVINCE).order_by("code")


def other_regency_choices():
    """The regencies and cities of the other provinces, grouped by province (for programmes across provinces)."""
    regencies = (Region.objects.filter(level=Region.Level.REGENCY).exclude(parent_id=settings.KOMPETEN_OFFICE_PROVINCE)
                 .select_related("parent").order_by("code"))
    groups: dict[str, list] = {}
    for regency in regencies:
        groups.setdefault(regency.parent.name if regency.parent else "", []).append((regency.code, regency.name))
    return list(groups.items())


def clean_phone_value(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalise_phone(value)
    except PhoneError as exc:
        raise ValidationError(PHONE_MESSAGES[exc.code], code=exc.code) from None


# --- companies ------------------------------------------------------------------------------------


class CompanyForm(StyledFormMixin, forms.ModelForm):
    """A company's own data, as it registers itself or as its users or the province correct it."""

    class Meta:
        model = Company
        fields = ["name", "nib", "sector", "kbli", "kbli_codes", "region", "employees", "address", "email", "phone"]
        widgets = {
            "nib": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 13, "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "kbli_codes": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "nib": _("The 13 digits of the business number (Nomor Induk Berusaha) from OSS."),
            "employees": _("All employees of the company. A company may take apprentices up to 20 percent of them "
                           "(Permenaker 6/2020)."),
            "kbli_codes": _("Optional. Hold Ctrl (or ⌘) to choose several."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kbli = Kbli.objects.filter(version="2020").order_by("code")
        self.fields["kbli"].queryset = kbli
        self.fields["kbli_codes"].queryset = kbli
        self.fields["sector"].queryset = Sector.objects.all()
        self.fields["region"].queryset = province_regencies()
        self.fields["region"].label_from_instance = lambda r: r.name
        for name in ("sector", "kbli", "region"):
            self.fields[name].required = True
        self.fields["employees"].widget.attrs["min"] = 1

    def clean_nib(self):
        nib = (self.cleaned_data.get("nib") or "").strip().replace(" ", "")
        if not nib:
            return ""
        if not (len(nib) == 13 and nib.isascii() and nib.isdigit()):
            raise ValidationError(_("The NIB is 13 digits."), code="nib_format")
        if Company.objects.filter(nib=nib).exclude(pk=self.instance.pk).exists():
            raise ValidationError(services.MESSAGES["nib_taken"] % {"nib": nib}, code="nib_taken")
        return nib

    def clean_employees(self):
        employees = self.cleaned_data.get("employees")
        if employees is not None and employees < 1:
            raise ValidationError(_("Give the number of employees (at least 1)."))
        return employees

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        main, others = data.get("kbli"), data.get("kbli_codes")
        if main and others:
            data["kbli_codes"] = [k for k in others if k.pk != main.pk]
        return data

    def company_data(self) -> dict:
        names = [f for f in self._meta.fields if f != "kbli_codes"]
        return {name: self.cleaned_data[name] for name in names}


class CompanyRegistrationForm(CompanyForm):
    """Self-registration: the company and its first user, who logs in with the email and password."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    user_email = forms.EmailField(label=_("Your email (for logging in)"),
                                  widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs=NEW_PASSWORD))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs=NEW_PASSWORD))

    company_fields = ["name", "nib", "sector", "kbli", "kbli_codes", "region", "employees", "address", "email",
                      "phone"]
    user_fields = ["full_name", "user_email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nib"].required = True
        self.fields["email"].label = _("Company email")
        self.fields["phone"].label = _("Company phone")

    def clean_user_email(self):
        email = (self.cleaned_data.get("user_email") or "").strip().lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise ValidationError(services.MESSAGES["email_taken"] % {"email": email}, code="email_taken")
        return email

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and password != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                validate_password(password, User(full_name=data.get("full_name", ""), email=data.get("user_email")))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def company_section(self):
        return [self[name] for name in self.company_fields]

    def user_section(self):
        return [self[name] for name in self.user_fields]


class DecisionNoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("The company reads it."))


class MentorForm(StyledFormMixin, forms.ModelForm):
    account = forms.ModelChoiceField(label=_("User account (optional)"), queryset=User.objects.none(),
                                     required=False,
                                     help_text=_("A user of the company who confirms the apprentices' logbooks."))

    class Meta:
        model = Mentor
        fields = ["name", "position", "phone", "email"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = User.objects.filter(
            memberships__company=company, memberships__role=Role.COMPANY_USER,
            memberships__is_active=True).order_by("full_name").distinct()
        self.fields["account"].label_from_instance = lambda u: u.full_name or u.email

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data.get("phone"))


class CompanyFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    sector = forms.ModelChoiceField(label=_("Sector"), required=False, queryset=Sector.objects.all(),
                                    empty_label=_("All sectors"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from kompeten.apprenticeships.models import CompanyStatus

        self.fields["status"].choices = [("", _("All statuses")), *CompanyStatus.choices]
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-select", "id": f"f-{name}"})


# --- offers ---------------------------------------------------------------------------------------


class RupiahField(forms.IntegerField):
    """An amount in rupiah; "Rp2.500.000", "2.500.000" and "2500000" are the same."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("Rp").removeprefix("rp").replace(".", "").replace(" ", "")
            value = value.removesuffix(",00").removesuffix(",-")
        return super().to_python(value)


class OfferForm(StyledFormMixin, forms.ModelForm):
    """An offer (programme of apprenticeship). clean() checks the Permenaker 6/2020 limits with
    services.offer_problems and puts each refusal on its field."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    allowance = RupiahField(label=_("Monthly allowance (uang saku, Rp)"), min_value=0, max_value=999_999_999,
                            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                            help_text=_("For example 2.500.000."))
    locations = forms.ModelMultipleChoiceField(
        label=_("Regencies / cities of the province"), queryset=Region.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        help_text=_("Where the apprenticeship takes place. One regency or city: its Disnaker approves; several: "
                    "the province; in several provinces: the ministry."))
    other_locations = forms.MultipleChoiceField(
        label=_("Regencies / cities in other provinces"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Only for a programme that also takes place outside the province. Hold Ctrl (or ⌘) to choose "
                    "several."))

    class Meta:
        model = Offer
        fields = ["title", "occupation", "description", "slots", "start_date", "months", "theory_percent",
                  "hours_per_week", "address", "allowance", "insurance", "min_education", "vocations", "scheme",
                  "require_certificate", "min_age", "max_age", "mentors"]
        widgets = {
            "start_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "vocations": forms.CheckboxSelectMultiple(attrs=CHECK),
            "mentors": forms.CheckboxSelectMultiple(attrs=CHECK),
        }
        help_texts = {
            "slots": _("Together with the company's other offers in the same period, at most 20 percent of its "
                       "employees."),
            "months": _("At most 12 months."),
            "theory_percent": _("Theory takes 10 to 25 percent of the time, practice the rest."),
            "scheme": _("Candidates holding this competency certificate come first when the criteria say so."),
        }

    def __init__(self, *args, company=None, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = company
        if company is not None or self.instance.pk:
            self.owner = company or self.instance.company
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies
            self.order_fields(["company"])
        self.fields["occupation"].queryset = Kbji.objects.order_by("code")
        self.fields["occupation"].help_text = _("The occupation in the KBJI 2014 classification.")
        self.fields["min_education"].label_from_instance = lambda e: e.name
        self.fields["vocations"].queryset = Vocation.objects.order_by("name")
        self.fields["vocations"].label_from_instance = lambda v: v.name
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True).order_by("code")
        self.fields["scheme"].label_from_instance = lambda s: f"{s.code} {s.title}"
        if self.owner is not None:
            self.fields["mentors"].queryset = Mentor.objects.filter(company=self.owner, is_active=True)
        else:  # the user chooses among their companies: each mentor with their company
            self.fields["mentors"].queryset = Mentor.objects.filter(company__in=companies, is_active=True
                                                                    ).select_related("company")
            self.fields["mentors"].label_from_instance = lambda m: f"{m.name} · {m.company.name}"
        self.fields["locations"].queryset = province_regencies()
        self.fields["locations"].label_from_instance = lambda r: r.name
        self.fields["other_locations"].choices = other_regency_choices()
        for position in range(1, CRITERIA_POSITIONS + 1):
            self.fields[f"criterion_{position}"] = forms.ChoiceField(
                label=CRITERION_LABELS[position - 1], required=False,
                choices=[("", "—"), *RankingCriterion.choices], widget=forms.Select(attrs={"class": "form-select"}))
        criteria = list(self.instance.criteria or []) if self.instance.pk else list(DEFAULT_CRITERIA)
        for position, criterion in enumerate(criteria, start=1):
            if position <= CRITERIA_POSITIONS:
                self.initial.setdefault(f"criterion_{position}", criterion)
        if self.instance.pk:
            codes = set(self.instance.locations.values_list("code", flat=True))
            province = set(self.fields["locations"].queryset.filter(code__in=codes).values_list("code", flat=True))
            self.initial.setdefault("locations", sorted(province))
            self.initial.setdefault("other_locations", sorted(codes - province))

    def criterion_fields(self):
        return [self[f"criterion_{position}"] for position in range(1, CRITERIA_POSITIONS + 1)]

    def clean(self):
        data = super().clean()
        company = self.owner or data.get("company")
        mentors = data.get("mentors") or []
        if company is not None and any(m.company_id != company.pk for m in mentors):
            self.add_error("mentors", _("Choose mentors of %(company)s.") % {"company": company.name})
        # Where: at least one regency or city.
        others = list(Region.objects.filter(code__in=data.get("other_locations") or [], level=Region.Level.REGENCY))
        data["all_locations"] = [*(data.get("locations") or []), *others]
        if "locations" in data and not data["all_locations"]:
            self.add_error("locations", services.MESSAGES["no_location"])
        # The ranking criteria, in order, each once.
        criteria, seen = [], set()
        for position in range(1, CRITERIA_POSITIONS + 1):
            value = data.get(f"criterion_{position}")
            if not value:
                continue
            if value in seen:
                self.add_error(f"criterion_{position}", _("This criterion is already chosen above."))
                continue
            seen.add(value)
            criteria.append(value)
        data["criteria"] = criteria
        # Ages.
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and high < low:
            self.add_error("max_age", _("The maximum age is below the minimum age."))
        # The programme year: the one of the start date.
        start = data.get("start_date")
        self.programme_year = None
        if start:
            self.programme_year = ProgrammeYear.objects.filter(year=start.year).first()
            if self.programme_year is None:
                self.add_error("start_date", _("There is no programme year %(year)s yet; the province opens it. "
                                               "Choose a start date in an open year.") % {"year": start.year})
        # The Permenaker 6/2020 limits.
        if company is not None and all(data.get(n) is not None for n in ("slots", "start_date", "months",
                                                                           "theory_percent")):
            problems = services.offer_problems(company, slots=data["slots"], start_date=data["start_date"],
                                               months=data["months"], theory_percent=data["theory_percent"],
                                               exclude=self.instance.pk)
            for field, error in problems:
                self.add_error(field if field in self.fields else None, error.message)
        return data

    def save(self, commit=True):
        offer = super().save(commit=False)
        if offer.company_id is None:
            offer.company = self.owner or self.cleaned_data["company"]
        offer.programme_year = self.programme_year
        offer.criteria = self.cleaned_data["criteria"]
        if commit:
            offer.save()
            self.save_m2m()
            offer.locations.set(self.cleaned_data["all_locations"])
        return offer


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    sector = forms.ModelChoiceField(label=_("Sector"), required=False, queryset=Sector.objects.all(),
                                    empty_label=_("All sectors"))
    round = forms.ModelChoiceField(label=_("Matching round"), required=False, queryset=MatchingRound.objects.all(),
                                   empty_label=_("All rounds"))

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *statuses]
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-select", "id": f"f-{name}"})


class ApproveForm(StyledFormMixin, forms.Form):
    approval_number = forms.CharField(label=_("Approval letter number"), max_length=80,
                                      help_text=_("The number of the approving authority's letter."))
    matching_round = forms.ModelChoiceField(label=_("Matching round"), required=False,
                                            queryset=MatchingRound.objects.none(), empty_label=_("None (not yet)"),
                                            help_text=_("An open round in which candidates may apply to the offer."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matching_round"].queryset = MatchingRound.objects.filter(status=RoundStatus.OPEN)


# --- applicants -----------------------------------------------------------------------------------

DECISION_CHOICES = [(CompanyDecision.PENDING.value, _("Not decided")),
                    (CompanyDecision.ACCEPTED.value, _("Accept")),
                    (CompanyDecision.REJECTED.value, _("Reject"))]


class DecisionForm(StyledFormMixin, forms.Form):
    """One applicant: accept, reject or leave undecided, with a note."""

    decision = forms.ChoiceField(label=_("Company decision"), choices=DECISION_CHOICES,
                                 widget=forms.RadioSelect(attrs=CHECK))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ApplicantsForm(forms.Form):
    """Every applicant of an offer: a decision and, for the accepted ones the company wants to order, a rank
    (1 = most wanted; the numbers need not follow each other). Unranked accepted applicants come after the
    ranked ones, in the order of the offer's criteria."""

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for application in applications:
            decision = f"decision_{application.pk}"
            rank = f"rank_{application.pk}"
            self.fields[decision] = forms.ChoiceField(
                label=_("Decision on %(name)s") % {"name": application.person.full_name}, choices=DECISION_CHOICES,
                initial=application.decision)
            self.fields[rank] = forms.IntegerField(
                label=_("Rank of %(name)s") % {"name": application.person.full_name}, required=False, min_value=1,
                max_value=9999, initial=application.company_rank)
            self.fields[decision].widget.attrs.update({"class": "form-select form-select-sm"})
            self.fields[rank].widget.attrs.update({"class": "form-control form-control-sm", "style": "width: 6em"})
            self.rows.append((application, self[decision], self[rank]))

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def clean(self):
        data = super().clean()
        ranks: dict[int, list[str]] = {}
        for _application, decision, rank in self.rows:
            value = data.get(rank.name)
            if value is None:
                continue
            if data.get(decision.name) != CompanyDecision.ACCEPTED:
                self.add_error(rank.name, _("Only an accepted applicant is ranked: choose Accept or clear the "
                                            "rank."))
                continue
            ranks.setdefault(value, []).append(rank.name)
        for value, names in ranks.items():
            if len(names) > 1:
                for name in names:
                    self.add_error(name, _("Rank %(rank)s is given twice.") % {"rank": value})
        return data

    def decisions(self) -> dict[int, str]:
        return {application.pk: self.cleaned_data[decision.name] for application, decision, _rank in self.rows}

    def ranking(self) -> list:
        """The applications with a rank, in the company's order."""
        ranked = [(self.cleaned_data[rank.name], application) for application, _decision, rank in self.rows
                  if self.cleaned_data.get(rank.name) is not None]
        return [application for _value, application in sorted(ranked, key=lambda pair: pair[0])]
