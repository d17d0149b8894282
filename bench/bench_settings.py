"""Settings of the servers that bench/load.py and bench/restart_drill.py start: the production settings, with the
rate limiter's counts kept in a cache that never counts.

The public verification page allows 30 verifications per client address per minute
(kompeten/certificates/verification.py); a load generator on loopback is ONE address, so with the limiter on it
would measure the 429 page. Everything else is as in production (DEBUG off, persistent connections with health
checks). Used as DJANGO_SETTINGS_MODULE=bench_settings with bench/ on the Python path.
"""

from kompeten.settings import *  # noqa: F403

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "bench-unlimited": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
KOMPETEN_RATELIMIT_CACHE = "bench-unlimited"
