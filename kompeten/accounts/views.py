"""Login (password, then a code for users with 2FA), enrolment, recovery codes, password change and reset.

The login is in two steps for a user who uses 2FA: the password step does not log in, it remembers the user in the
session for ten minutes (``PENDING_KEY``) and sends them to the code step, or to enrolment if they must use 2FA and
have no authenticator yet. Only a right code logs in. Everyone else is logged in by the password step, and the
session is marked as such (kompeten.accounts.otp.AUTH_LEVEL_KEY), so that TwoFactorMiddleware asks for a code if
the user gains a staff role later.
"""

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from kompeten.accounts import otp, ratelimits
from kompeten.accounts.backends import find_user
from kompeten.accounts.decorators import province_admin_required
from kompeten.accounts.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    PasswordResetForm,
    SetPasswordForm,
    TwoFactorResetForm,
)
from kompeten.accounts.models import User
from kompeten.core import ratelimit

PENDING_KEY = "kompeten_2fa_pending"
ENROL_KEY = "kompeten_2fa_enrol_device"
PENDING_SECONDS = 10 * 60


def account_key(login_name: str | None) -> str | None:
    """What the per-account limit counts: the user's id when the login names a user (an email and a phone number of
    one account count together), else the normalised text (unknown accounts are limited the same way)."""
    text = (login_name or "").strip().lower()
    if not text:
        return None
    user = find_user(text)
    return f"user:{user.pk}" if user else f"name:{text}"


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return reverse("core:home")


# --- login ------------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        verdict = ratelimit.hit(ratelimits.login_ip(), ratelimit.client_ip(request))
        if verdict.limited:
            return ratelimits.too_many_requests(request, verdict, _("Too many login attempts from your address."))
        self.account = account_key(request.POST.get("username"))
        if self.account:
            verdict = ratelimit.peek(ratelimits.login_account(), self.account)
            if verdict.limited:
                return ratelimits.too_many_requests(request, verdict, _("Too many failed logins for this account."))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.account:
            ratelimit.hit(ratelimits.login_account(), self.account)
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if otp.uses_2fa(user):
            session = self.request.session
            session.cycle_key()
            session.pop(ENROL_KEY, None)
            session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "at": int(time.time()),
                                    "next": self.get_success_url()}
            target = "accounts:two_factor_verify" if otp.has_2fa(user) else "accounts:two_factor_setup"
            return HttpResponseRedirect(reverse(target))
        response = super().form_valid(form)
        otp.mark_password_only(self.request)
        if self.account:
            ratelimit.clear(ratelimits.login_account(), self.account)
        return response


def _pending(request) -> tuple[User | None, dict]:
    """The user who passed the password step in this session, within the last ten minutes."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    return User.objects.filter(pk=data.get("user"), is_active=True).first(), data


def _flow_user(request) -> tuple[User | None, dict | None]:
    """The user of a code or enrolment step: the logged-in user, or the one half-way through logging in."""
    if request.user.is_authenticated:
        return request.user, None
    user, data = _pending(request)
    return user, (data if user else None)


def _complete(request, user, pending: dict | None, device) -> str:
    """Log in (or, already logged in, mark the session) after a right code; where to go next."""
    if pending is not None:
        login(request, user, backend=pending["backend"])
        next_url = pending.get("next")
    else:
        request.session.cycle_key()
        next_url = request.GET.get("next")
    request.session.pop(PENDING_KEY, None)
    request.session.pop(ENROL_KEY, None)
    otp.mark_verified(request, device)
    ratelimit.clear(ratelimits.login_account(), f"user:{user.pk}")
    return _safe_next(request, next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The code step: a code of the authenticator app, or a recovery code."""
    user, pending = _flow_user(request)
    if user is None:
        return redirect("accounts:login")
    if not otp.has_2fa(user):
        return redirect(reverse("accounts:two_factor_setup") + _next_query(request))
    if pending is None and otp.session_verified(request):
        return redirect(_safe_next(request, request.GET.get("next")))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        key = f"user:{user.pk}"
        verdict = ratelimit.peek(ratelimits.login_account(), key)
        if verdict.limited:
            return ratelimits.too_many_requests(request, verdict, _("Too many failed logins for this account."))
        if form.is_valid() and (wait := otp.wait_seconds(user, form.cleaned_data["code"])):
            form.add_error("code", _wait_message(wait))
        elif form.is_valid():
            device = otp.verify(user, form.cleaned_data["code"])
            if device is not None:
                next_url = _complete(request, user, pending, device)
                if isinstance(device, StaticDevice):
                    left = otp.recovery_codes_left(user)
                    messages.warning(request, _("You logged in with a recovery code. %(left)s recovery codes are "
                                                "left: make new ones on your account page.") % {"left": left})
                return redirect(next_url)
            ratelimit.hit(ratelimits.login_account(), key)
            form.add_error("code", _("This code is not right, or it was already used. Wait for the next code in "
                                     "the app and try again."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "pending": pending is not None})


def _wait_message(seconds: int) -> str:
    return ngettext("Wait %(seconds)s second before trying another code.",
                    "Wait %(seconds)s seconds before trying another code.", seconds) % {"seconds": seconds}


def _next_query(request) -> str:
    next_url = request.GET.get("next")
    return f"?{urlencode({'next': next_url})}" if next_url else ""


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrolment: scan the QR code (or type the secret) into an authenticator app, confirm with one code; the
    recovery codes are shown once on the answer."""
    user, pending = _flow_user(request)
    if user is None:
        return redirect("accounts:login")
    # Replacing an authenticator needs a session that passed the code step with the old one.
    if otp.has_2fa(user) and (pending is not None or not otp.session_verified(request)):
        return redirect(reverse("accounts:two_factor_verify") + _next_query(request))
    device = otp.pending_device(user, request.session.get(ENROL_KEY))
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        wait = otp.wait_seconds(user, "", device)
        codes = None if wait else otp.confirm_enrolment(user, device, form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            next_url = _complete(request, user, pending, device)
            response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url,
                                                                       "enrolled": True})
            response["Cache-Control"] = "no-store"
            return response
        if wait:
            form.add_error("code", _wait_message(wait))
        else:
            ratelimit.hit(ratelimits.login_account(), f"user:{user.pk}")
            form.add_error("code", _("This code is not right. Check that the phone's clock is right and try the "
                                     "next code."))
    if device is None:
        device = otp.start_enrolment(user)
        request.session[ENROL_KEY] = device.pk
    context = {"form": form, "qr_svg": otp.qr_svg(device), "secret": otp.secret_base32(device),
               "pending": pending is not None, "required": otp.required_for(user),
               "account_label": otp.account_label(user)}
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@require_POST
@login_required
def two_factor_recovery(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not otp.has_2fa(request.user) or not otp.session_verified(request):
        raise Http404
    codes = otp.regenerate_recovery_codes(request.user)
    response = render(request, "accounts/recovery_codes.html",
                      {"codes": codes, "next_url": reverse("accounts:account"), "enrolled": False})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def two_factor_disable(request):
    """A user who opted in (a company user, a job seeker) turns 2FA off with a current code."""
    user = request.user
    if otp.required_for(user) or not otp.has_2fa(user):
        raise Http404
    form = CodeForm(request.POST)
    if form.is_valid() and otp.verify(user, form.cleaned_data["code"]) is not None:
        otp.remove_2fa(user)
        otp.mark_password_only(request)
        messages.success(request, _("Two-factor authentication is off."))
    else:
        messages.error(request, _("The code was not right; two-factor authentication is still on."))
    return redirect("accounts:account")


@require_http_methods(["GET", "POST"])
@province_admin_required
def two_factor_reset(request):
    """A province admin removes another user's authenticator and recovery codes (a lost phone), with a reason in
    the audit log; the user enrols again at the next login."""
    form = TwoFactorResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.user.pk == request.user.pk:
            form.add_error("login", _("Ask another province admin to reset your own two-factor authentication."))
        else:
            otp.reset_2fa(form.user, by=request.user, request=request, reason=form.cleaned_data["reason"])
            messages.success(request, _("Two-factor authentication of %(user)s was reset. They set it up again at "
                                        "their next login.") % {"user": form.user})
            return redirect("accounts:two_factor_reset")
    return render(request, "accounts/two_factor_reset.html", {"form": form})


# --- account, password --------------------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@require_GET
@login_required
def account(request):
    user = request.user
    memberships = user.memberships.filter(is_active=True).select_related("centre", "company", "lsp")
    context = {
        "memberships": memberships, "has_2fa": otp.has_2fa(user), "required_2fa": otp.required_for(user),
        "recovery_left": otp.recovery_codes_left(user), "code_form": CodeForm(),
        "session_verified": otp.session_verified(request),
    }
    return render(request, "accounts/account.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, limited per address and per e-mail; the link in the mail uses KOMPETEN_BASE_URL,
    never the Host header of the request."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        verdict = ratelimit.hit(ratelimits.password_reset_ip(), ratelimit.client_ip(request))
        if verdict.limited:
            return ratelimits.too_many_requests(request, verdict,
                                                _("Too many password reset requests from your address."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        from django.conf import settings

        email = form.cleaned_data["email"].strip().lower()
        if ratelimit.hit(ratelimits.password_reset_account(), f"email:{email}").limited:
            # The same answer as a sent mail: the form tells nobody which addresses have an account.
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"base_url": settings.KOMPETEN_BASE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
