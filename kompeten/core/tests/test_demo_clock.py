"""``kompeten demo`` runs on the demo's clock (kompeten/core/clock.py): it builds and serves the year as it stood on
DEMO_TODAY, its background worker inherits the clock, and the machine's clock is back afterwards."""

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kompeten.core import clock
from kompeten.core.apps import check_clock
from kompeten.core.demo import DEMO_TODAY

COMMAND = "kompeten.core.management.commands.demo"


@pytest.fixture
def served(monkeypatch):
    """The demo command with its steps recorded instead of run: what time it was in each, and the worker's env."""
    seen = {}

    def fake_call_command(name, *args, **kwargs):
        seen.setdefault("steps", []).append((name, timezone.now()))
        if name == "runserver":
            seen["https"] = (settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)

    def fake_load_demo(**kwargs):
        seen["load_demo"] = timezone.now()
        return {}

    worker = mock.MagicMock()
    monkeypatch.delenv("KOMPETEN_HTTPS", raising=False)
    with mock.patch(f"{COMMAND}.call_command", fake_call_command), \
            mock.patch(f"{COMMAND}.load_demo", fake_load_demo), \
            mock.patch(f"{COMMAND}.subprocess.Popen", worker), \
            override_settings(SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True,
                              LANGUAGE_COOKIE_SECURE=True, SECURE_HSTS_SECONDS=3600):
        yield seen, worker


@pytest.mark.django_db
def test_the_demo_builds_and_serves_on_its_day_and_gives_the_worker_the_clock(served):
    seen, worker = served
    out = StringIO()
    call_command("demo", "--persons", "0", stdout=out)
    local = timezone.localtime(seen["load_demo"])
    assert local.date() == DEMO_TODAY and local.hour == 9
    assert all(timezone.localtime(at).date() == DEMO_TODAY for _name, at in seen["steps"])
    env = worker.call_args.kwargs["env"]
    assert clock.parse(env[clock.ENV]).date() == DEMO_TODAY
    assert seen["https"] == (False, False, False)  # runserver speaks plain HTTP: no redirect, no HTTPS-only cookies
    assert timezone.now().date() > DEMO_TODAY and not clock.travelled()  # the machine's clock is back
    assert f"{DEMO_TODAY:%Y-%m-%d} 09:0" in out.getvalue()


@pytest.mark.django_db
def test_real_clock_keeps_the_machines_clock(served):
    seen, worker = served
    call_command("demo", "--persons", "0", "--real-clock", stdout=StringIO())
    assert timezone.localtime(seen["load_demo"]).date() > DEMO_TODAY
    assert clock.ENV not in worker.call_args.kwargs["env"]


def test_the_clock_setting_needs_an_offset_and_travels(monkeypatch):
    monkeypatch.setenv(clock.ENV, "2025-11-17T09:00:00")
    with pytest.raises(ValueError, match="no UTC offset"):
        clock.start_from_env()
    monkeypatch.setenv(clock.ENV, "2025-11-17T09:00:00+08:00")
    try:
        moment = clock.start_from_env()
        assert moment == datetime.datetime(2025, 11, 17, 1, 0, tzinfo=datetime.UTC)
        assert abs(timezone.now() - moment) < datetime.timedelta(minutes=1)
        assert [w.id for w in check_clock()] == ["kompeten.W001"]  # a deployment check warns
    finally:
        clock.stop()
    assert timezone.now().year >= 2026 and check_clock() == []
    monkeypatch.delenv(clock.ENV)
    assert clock.start_from_env() is None
