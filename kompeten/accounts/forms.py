from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kompeten.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Email or phone number"), max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The email/phone number or the password is wrong."),
        "inactive": _("This account is not active."),
    }


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=20, strip=True,
        help_text=_("The 6-digit code of your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )


class EnrolForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the app"), max_length=10, strip=True,
        help_text=_("The 6-digit code the app shows after you added Kompeten to it."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorResetForm(StyledFormMixin, forms.Form):
    login = forms.CharField(label=_("Email or phone number of the user"), max_length=254)
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             help_text=_("For example: the user lost their phone. Kept in the audit log."))

    def clean_login(self):
        from kompeten.accounts.backends import find_user

        user = find_user(self.cleaned_data["login"])
        if user is None:
            raise forms.ValidationError(_("No user has this email address or phone number."))
        self.user = user
        return self.cleaned_data["login"]


class PasswordResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    pass
