"""The interface language: Bahasa Indonesia unless the user chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones in Indonesia
are set to English; the programme's language is Indonesian, so only an explicit choice (the
language cookie that the switch sets) changes it.
"""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class TrustedProxyMiddleware:
    """Behind a reverse proxy (nginx) every request comes from the proxy's address: rate limits, login throttling and
    the audit log would count the whole province as one client. The proxy's ``X-Real-IP`` is taken as the client's
    address, but only on requests that come from one of ``KOMPETEN_TRUSTED_PROXIES`` (anyone else could send the
    header); first in MIDDLEWARE, so that everything after it sees the client's address in ``REMOTE_ADDR``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = set(getattr(settings, "KOMPETEN_TRUSTED_PROXIES", ()))

    def __call__(self, request):
        if self.proxies and request.META.get("REMOTE_ADDR") in self.proxies:
            real = request.META.get("HTTP_X_REAL_IP", "").strip()
            if real and _is_address(real):
                request.META["REMOTE_ADDR"] = real
        return self.get_response(request)


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
