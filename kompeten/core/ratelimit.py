"""One small rate limiter: fixed windows counted in Django's cache, under salted keys.

A limit is a name, a number of events and a period in seconds (``Limit("login-ip", 100, 600)``); ``hit()`` counts an
event for a value (a client address, a normalised login name, a user id) and says whether the value went over the
limit in the current window, and when that window ends (``retry_after``, for the Retry-After header and the page).
``peek()`` reads the count without adding to it.

The cache key is ``rl:<name>:<HMAC-SHA256(SECRET_KEY, name, value)>:<window>``: never a raw address, login name
or NIK, and not an unsalted hash either (the IPv4 space, or the NIKs of one regency, are small enough to reverse an
unsalted hash by trying them all).

Why not django-ratelimit: it keys its cache entries by an unsalted MD5 of the value, it limits whole views by
decorator (the login counts an address on every attempt but an account only on a failure, in the middle of the
view), and it does not say when the client may retry. This module is smaller than the glue it would need.

The counts live in the ``default`` cache unless ``KOMPETEN_RATELIMIT_CACHE`` names another alias. With several
server processes that cache must be shared by them (database, Redis or Memcached cache): a per-process local
memory cache multiplies every limit by the number of processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

KEY_SALT = "kompeten.core.ratelimit"


@dataclass(frozen=True)
class Limit:
    name: str
    rate: int  # events allowed per period
    period: int  # seconds


@dataclass(frozen=True)
class Verdict:
    limited: bool
    count: int
    retry_after: int  # seconds until the current window ends

    @property
    def retry_minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def configured(name: str, rate: int, period: int) -> Limit:
    """A limit whose rate and period a deployment may change: ``KOMPETEN_RATE_LIMITS = {name: (rate, period)}``."""
    rate, period = getattr(settings, "KOMPETEN_RATE_LIMITS", {}).get(name, (rate, period))
    return Limit(name, int(rate), int(period))


def _cache():
    return caches[getattr(settings, "KOMPETEN_RATELIMIT_CACHE", "default")]


def cache_key(limit: Limit, value, window: int) -> str:
    digest = salted_hmac(KEY_SALT, f"{limit.name}\x00{value}", algorithm="sha256").hexdigest()[:40]
    return f"rl:{limit.name}:{digest}:{window}"


def _window(limit: Limit, now: float | None) -> tuple[int, int]:
    now = time.time() if now is None else now
    window = int(now // limit.period)
    retry_after = max(1, int((window + 1) * limit.period - now + 0.999))
    return window, retry_after


def hit(limit: Limit, value, *, now: float | None = None) -> Verdict:
    """Count one event of ``value``; limited once the count in this window is above ``limit.rate``."""
    window, retry_after = _window(limit, now)
    key = cache_key(limit, value, window)
    cache = _cache()
    if cache.add(key, 1, timeout=limit.period + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=limit.period + 5)
            count = 1
    return Verdict(count > limit.rate, count, retry_after)


def peek(limit: Limit, value, *, now: float | None = None) -> Verdict:
    """The verdict for ``value`` if nothing more is counted: limited once the window holds ``rate`` events."""
    window, retry_after = _window(limit, now)
    count = _cache().get(cache_key(limit, value, window), 0)
    return Verdict(count >= limit.rate, count, retry_after)


def clear(limit: Limit, value, *, now: float | None = None) -> None:
    """Forget the current window of ``value`` (a successful login clears its account's failures)."""
    window, _retry = _window(limit, now)
    _cache().delete(cache_key(limit, value, window))


def client_ip(request) -> str:
    """The client's address as the web server saw it (a proxy in front must set REMOTE_ADDR, not a header we trust
    blindly)."""
    return request.META.get("REMOTE_ADDR") or "-"
