"""Forms of the registry. NIK and phone rules come from the pure modules via validation.py."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kompeten.accounts.models import User
from kompeten.core.forms import StyledFormMixin
from kompeten.reference.models import Region
from kompeten.registry.documents import ACCEPT
from kompeten.registry.models import Consent, DocumentKind, Person, PriorTraining
from kompeten.registry.phone import PhoneError, normalise_phone
from kompeten.registry.validation import NIK_MESSAGES, PHONE_MESSAGES, check_nik, issue_message

PERSON_FIELDS = [
    "nik", "full_name", "sex", "birth_place", "birth_date", "phone", "email", "street", "rt", "rw", "village",
    "education", "major", "disability", "disability_kind", "employment_status", "ak1_number", "ak1_expires",
    "declared_prior_training",
]


NEW_PASSWORD = {"autocomplete": "new-password"}


def district_choices():
    districts = Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent").order_by("parent", "name")
    return [("", "—")] + [(d.code, f"{d.name} — {d.parent.name}") for d in districts]


class PersonForm(StyledFormMixin, forms.ModelForm):
    """A person's data, as an operator enters it or a job seeker corrects it."""

    district = forms.ChoiceField(label=_("District (kecamatan)"), required=False)

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ak1_expires": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "nik": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nik_warnings = []
        self.fields["district"].choices = district_choices()
        order = list(self.fields)
        order.remove("district")
        order.insert(order.index("village"), "district")
        self.order_fields(order)
        self.fields["village"].queryset = Region.objects.filter(level=Region.Level.VILLAGE)
        district = self.data.get(self.add_prefix("district")) if self.is_bound else None
        if not district and self.instance.village_id:
            district = self.instance.village.parent_id
            self.initial["district"] = district
        self.fields["village"].widget.choices = [("", "—")] + [
            (v.code, v.name) for v in Region.objects.filter(parent_id=district or "-", level="village")
        ]
        self.fields["district"].widget.attrs.update({
            "hx-get": reverse("reference:villages"), "hx-target": "#id_village", "hx-trigger": "change",
        })

    def clean_nik(self):
        result, errors, _warnings = check_nik(self.cleaned_data.get("nik", ""))
        if errors:
            raise ValidationError(errors)
        nik = result.info.nik
        taken = Person.objects.filter(nik=nik).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(NIK_MESSAGES["nik_taken"], code="nik_taken")
        return nik

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except PhoneError as exc:
            raise ValidationError(PHONE_MESSAGES[exc.code], code=exc.code) from None

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("nik") and data.get("birth_date"):
            _result, _errors, warnings = check_nik(data["nik"], birth_date=data["birth_date"], sex=data.get("sex"))
            self.nik_warnings = warnings
        if data.get("disability") is False:
            data["disability_kind"] = ""
        for code in ("rt", "rw"):
            value = data.get(code, "")
            if value and not (value.isdigit() and len(value) <= 3):
                self.add_error(code, _("RT and RW are numbers of at most 3 digits."))
            elif value:
                data[code] = value.zfill(3)
        return data

    def warning_messages(self) -> list[str]:
        return [issue_message(w) for w in self.nik_warnings]

    def person_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class SelfProfileForm(PersonForm):
    """What a job seeker may correct themselves: everything but the NIK (an operator corrects that)."""

    class Meta(PersonForm.Meta):
        fields = [f for f in PERSON_FIELDS if f not in ("nik", "ak1_number", "ak1_expires")]


class RegistrationForm(PersonForm):
    """Self-registration: the person's data, a login and the consents."""

    login_email = forms.EmailField(label=_("Email for logging in"), required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs=NEW_PASSWORD))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs=NEW_PASSWORD))
    consent_registry = forms.BooleanField(
        label=Consent.Purpose.REGISTRY.label, required=True,
        error_messages={"required": _("Registration needs this consent.")},
    )
    consent_share_companies = forms.BooleanField(label=Consent.Purpose.SHARE_COMPANIES.label, required=False)
    consent_contact = forms.BooleanField(label=Consent.Purpose.CONTACT.label, required=False)
    consent_outcome_surveys = forms.BooleanField(label=Consent.Purpose.OUTCOME_SURVEYS.label, required=False)

    class Meta(PersonForm.Meta):
        fields = [f for f in PERSON_FIELDS if f not in ("ak1_number", "ak1_expires", "email")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _("You log in with this number or with your email.")

    def clean_nik(self):
        """The same answer for a registered NIK as for any NIK that cannot be registered online, so that the
        public form does not tell anyone whether someone is registered."""
        try:
            return super().clean_nik()
        except ValidationError as error:
            if any(e.code == "nik_taken" for e in error.error_list):
                raise ValidationError(_("This NIK cannot be registered online. Please come to a training centre "
                                        "(BLK) with your KTP."), code="nik_not_online") from None
            raise

    def clean_login_email(self):
        email = (self.cleaned_data.get("login_email") or "").strip().lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this email already exists. Log in instead."))
        return email or None

    def clean(self):
        data = super().clean()
        phone = data.get("phone")
        if phone and User.objects.filter(phone=phone).exists():
            self.add_error("phone", _("An account with this phone number already exists. Log in instead."))
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(data["password1"], User(full_name=data.get("full_name", ""),
                                                          email=data.get("login_email")))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def consents(self) -> list[str]:
        return [purpose for purpose in Consent.Purpose.values if self.cleaned_data.get(f"consent_{purpose}")]

    def person_data(self) -> dict:
        data = super().person_data()
        data["email"] = self.cleaned_data.get("login_email") or ""
        return data


class PriorTrainingForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = PriorTraining
        fields = ["source", "year", "institution", "vocation", "certificate"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1970 <= year <= timezone.localdate().year:
            raise ValidationError(_("Enter a year between 1970 and this year."))
        return year


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    valid_only = forms.BooleanField(
        label=_("Import the valid rows even if some rows have errors"), required=False,
    )


class DocumentForm(StyledFormMixin, forms.Form):
    """One document: which kind, and the file (a scan or a phone photo); the upload service checks the content."""

    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPG or PNG)"), widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A scan or a clear photo of the whole document, at most %(limit)s.") % {
            "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
