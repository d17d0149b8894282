from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from kompeten.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        from django.contrib import messages
        from django.utils.translation import gettext as _

        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@require_GET
@login_required
def account(request):
    memberships = request.user.memberships.filter(is_active=True).select_related("centre", "company", "lsp")
    return render(request, "accounts/account.html", {"memberships": memberships})
