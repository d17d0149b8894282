"""The shared rate limiter (kompeten/core/ratelimit.py) on the real cache."""

from django.core.cache import cache
from django.test import override_settings

from kompeten.core import ratelimit

LIMIT = ratelimit.Limit("test", 3, 60)
NOW = 1_764_000_000.0  # a window boundary: 1_764_000_000 / 60 is whole


def test_limited_after_the_rate_and_only_that_value():
    verdicts = [ratelimit.hit(LIMIT, "198.51.100.7", now=NOW) for _ in range(4)]
    assert [v.limited for v in verdicts] == [False, False, False, True]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert not ratelimit.hit(LIMIT, "198.51.100.8", now=NOW).limited
    assert not ratelimit.hit(ratelimit.Limit("other", 3, 60), "198.51.100.7", now=NOW).limited


def test_a_new_window_starts_afresh_and_says_when():
    for _ in range(4):
        verdict = ratelimit.hit(LIMIT, "a", now=NOW + 20)
    assert verdict.limited and verdict.retry_after == 40 and verdict.retry_minutes == 1
    assert not ratelimit.hit(LIMIT, "a", now=NOW + 60).limited


def test_peek_does_not_count_and_clear_forgets():
    for _ in range(2):
        ratelimit.hit(LIMIT, "b", now=NOW)
    assert ratelimit.peek(LIMIT, "b", now=NOW).count == 2 and not ratelimit.peek(LIMIT, "b", now=NOW).limited
    assert ratelimit.peek(LIMIT, "b", now=NOW).count == 2
    ratelimit.hit(LIMIT, "b", now=NOW)
    assert ratelimit.peek(LIMIT, "b", now=NOW).limited  # the next event would be over the rate
    ratelimit.clear(LIMIT, "b", now=NOW)
    assert ratelimit.peek(LIMIT, "b", now=NOW).count == 0


def test_keys_hold_no_raw_value_and_depend_on_the_secret():
    value = "siti@example.test"
    ratelimit.hit(LIMIT, value, now=NOW)
    keys = [str(key) for key in cache._cache]  # the local memory cache of the tests
    assert keys and not any(value in key or "siti" in key for key in keys)
    key = ratelimit.cache_key(LIMIT, value, 1)
    assert value not in key and key.startswith("rl:test:")
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert ratelimit.cache_key(LIMIT, value, 1) != key
    assert ratelimit.cache_key(LIMIT, "siti@example.tesT", 1) != key


def test_configured_limits_can_be_changed_by_settings(settings):
    assert ratelimit.configured("login-ip", 100, 600) == ratelimit.Limit("login-ip", 100, 600)
    settings.KOMPETEN_RATE_LIMITS = {"login-ip": (5, 30)}
    assert ratelimit.configured("login-ip", 100, 600) == ratelimit.Limit("login-ip", 5, 30)
