"""The Django admin of API tokens (used where ``django.contrib.admin`` is installed and mounted).

A token is added by choosing its user, name and lifetime: the token text is shown once in the message after saving;
only its SHA-256 is kept. Revoking is an action. Both go through kompeten/api/tokens.py and are audited.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kompeten.api.models import ApiToken
from kompeten.api.tokens import issue_token, revoke_token


class IssueTokenForm(forms.ModelForm):
    days = forms.IntegerField(label=_("Days until it expires"), min_value=0, max_value=3650, initial=365,
                              help_text=_("0: never expires."))

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__email"]
    readonly_fields = ["prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "days"]
        return ["user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["user"] if obj is not None else [])

    def save_model(self, request, obj, form, change):
        if change:  # only the name changes here
            obj.save(update_fields=["name"])
            return
        token, text = issue_token(form.cleaned_data["user"], name=form.cleaned_data["name"],
                                  days=form.cleaned_data["days"] or None, by=request.user)
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(request, _("The token is %(token)s — it is shown only now.") % {"token": text},
                          messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays for the audit trail

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_token(token, by=request.user)
        self.message_user(request, _("%(n)s tokens revoked.") % {"n": queryset.count()})
