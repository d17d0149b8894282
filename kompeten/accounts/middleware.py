"""Staff sessions end after a period without activity; a job seeker's session is not cut short. A session that
must pass the code step (2FA) reaches nothing but the 2FA pages and the logout until it has."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "kompeten_last_seen"


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_member:
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY)
            limit = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(request, _("You were signed out after a period without activity."))
            else:
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Sends a logged-in session that needs a code to the code step (or to enrolment when the user has no
    authenticator yet).

    Which sessions: those that Kompeten's login marked (kompeten.accounts.otp.AUTH_LEVEL_KEY), when the user uses
    2FA and the session has not passed the code step with a device the user still has: a job seeker's session whose
    user became an operator, a session whose authenticator a province admin reset. With
    ``KOMPETEN_2FA_STRICT_SESSIONS`` also sessions that no login step marked (made by ``login()`` elsewhere). The
    login itself never logs a 2FA user in before the code step (kompeten.accounts.views.LoginView).
    """

    EXEMPT = ("accounts:two_factor_verify", "accounts:two_factor_setup", "accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self.needs_code(request, user):
            exempt = {reverse(name) for name in self.EXEMPT}
            if request.path_info not in exempt and not request.path_info.startswith(settings.STATIC_URL):
                from kompeten.accounts import otp

                target = "accounts:two_factor_verify" if otp.has_2fa(user) else "accounts:two_factor_setup"
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)

    @staticmethod
    def needs_code(request, user) -> bool:
        from kompeten.accounts import otp

        if request.session.get(otp.AUTH_LEVEL_KEY) is None and not settings.KOMPETEN_2FA_STRICT_SESSIONS:
            return False
        return not otp.session_verified(request) and otp.uses_2fa(user)
