"""``kompeten demo``: a working Kaltim 2025 demo on this machine with one command."""

import datetime
import os
import subprocess
import sys
import time
import zoneinfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kompeten.accounts.models import Role
from kompeten.apprenticeships.demo import COMPANY_USERS, other_company_logins
from kompeten.assessment.demo import EXTRA_ASSESSORS
from kompeten.core import clock
from kompeten.core.demo import (
    DEFAULT_PERSONS,
    DEMO_PASSWORD,
    DEMO_TODAY,
    LSP_NAME,
    STAFF_USERS,
    job_seeker_login,
    load_demo,
)
from kompeten.env import env_bool
from kompeten.programmes.models import TrainingCentre

ROLE_LABELS = {
    Role.PROVINCE_ADMIN: _("Province admin"),
    Role.CENTRE_OPERATOR: _("Training centre operator"),
    Role.ASSESSOR: _("Assessor"),
    Role.LSP_ADMIN: _("LSP manager"),
    Role.COMPANY_USER: _("Company user"),
    Role.JOB_SEEKER: _("Job seeker"),
}


def both(message) -> str:
    """'Indonesian (English)' for a translatable message; once when the two read the same."""
    with translation.override("id"):
        indonesian = str(message)
    with translation.override("en"):
        english = str(message)
    return indonesian if indonesian == english else f"{indonesian} ({english})"


DEMO_TIME = datetime.time(9, 0)  # the demo's day starts at nine in the morning, office hours in Kalimantan Timur


def demo_now() -> datetime.datetime:
    """DEMO_TODAY at nine, in the configured time zone (Asia/Makassar by default)."""
    return datetime.datetime.combine(DEMO_TODAY, DEMO_TIME, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def plain_http():
    """The demo server is Django's runserver, on plain HTTP: without KOMPETEN_HTTPS set, turn off what production
    needs behind HTTPS (the redirect, HSTS, cookies sent over HTTPS only), or no login would work."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False


def server_url(addr: str) -> str:
    host, _sep, port = addr.rpartition(":")
    if not host or host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - only a display URL
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a str, not a lazy translation
        return str(_("Migrate, load the reference and Kaltim 2025 demo data, print the demo logins and serve."))

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true",
                            help=str(_("Set up and stop; do not start the server.")))
        parser.add_argument("--addr", default="127.0.0.1:8000", help=str(_("Address and port to serve on.")))
        parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS,
                            help=str(_("How many demo job seekers to create.")))
        parser.add_argument("--real-clock", action="store_true",
                            help=str(_("Keep the machine's clock (by default the demo runs on the day it shows).")))

    def handle(self, *args, **options):
        if options["persons"] < 0:
            raise CommandError(both(_("--persons must be 0 or more.")))
        travels = not options["real_clock"] and not clock.travelled()
        if travels:
            # Build and serve the year as it stood on DEMO_TODAY: open rounds accept applications, today's
            # assessment can be recorded. The worker started below inherits the clock through KOMPETEN_CLOCK.
            clock.travel_to(demo_now())
        try:
            self.set_up_and_serve(options)
        finally:
            if travels:
                clock.stop()

    def set_up_and_serve(self, options):
        started = time.monotonic()
        if clock.travelled():
            self.stdout.write(both(_("The demo's clock: %(now)s (ticking).")) % {
                "now": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
        self.step(_("Database: applying migrations"))
        call_command("migrate", interactive=False, verbosity=0)
        self.step(_("Collecting static files"))
        call_command("collectstatic", interactive=False, verbosity=0)
        self.step(_("Loading reference data"))
        call_command("load_reference", stdout=self.stdout)
        self.step(_("Loading the Kaltim 2025 demo data"))
        created = load_demo(persons=options["persons"])
        if any(created.values()):
            summary = ", ".join(f"{key} {n}" for key, n in created.items() if n)
            self.stdout.write(f"   + {summary}")
        else:
            self.stdout.write("   " + both(_("The demo data was already there; nothing added.")))
        self.stdout.write(both(_("Ready in %(seconds).1f s.")) % {"seconds": time.monotonic() - started})
        self.print_logins()
        if not options["no_serve"]:
            url = server_url(options["addr"])
            self.stdout.write("")
            open_label = both(_("Open"))
            self.stdout.write(self.style.SUCCESS(f"{open_label}: {url}"))
            self.stdout.write(both(_("A background worker runs the tasks (certificate issuance) while the "
                                     "server runs.")))
            self.stdout.flush()
            # The demo's staff have no authenticator app: the demo server does not ask for a second factor
            # (KOMPETEN_2FA_REQUIRED=1 turns it back on; production keeps it on, kompeten/accounts/otp.py).
            settings.KOMPETEN_2FA_REQUIRED = env_bool("KOMPETEN_2FA_REQUIRED", False)
            if "KOMPETEN_HTTPS" not in os.environ:
                plain_http()
            env = dict(os.environ)
            if clock.travelled():
                env[clock.ENV] = timezone.now().isoformat()
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "kompeten.cli", "db_worker", "--interval", "1"], env=env)
            try:
                call_command("runserver", options["addr"], use_reloader=False)
            finally:
                worker.terminate()
                worker.wait(timeout=10)

    def step(self, message):
        self.stdout.write(self.style.MIGRATE_HEADING(f"-> {both(message)}"))

    def print_logins(self):
        centres = dict(TrainingCentre.objects.values_list("code", "short_name"))
        rows = []
        for user in STAFF_USERS:
            lsp = LSP_NAME if user.role in (Role.ASSESSOR, Role.LSP_ADMIN) else ""
            scope = centres.get(user.centre, "") or user.company or lsp
            rows.append((both(ROLE_LABELS[user.role]), user.email, scope))
        if EXTRA_ASSESSORS:  # one line for the assessors beyond the staff users: asesor3 … asesor12@kompeten.demo
            first, last = EXTRA_ASSESSORS[0].email, EXTRA_ASSESSORS[-1].email
            login = first if first == last else f"{first.split('@')[0]} … {last}"
            more = both(_("%(count)s more assessors")) % {"count": len(EXTRA_ASSESSORS)}
            rows.append((both(ROLE_LABELS[Role.ASSESSOR]), login, f"{LSP_NAME} ({more})"))
        for login in COMPANY_USERS:
            rows.append((both(ROLE_LABELS[Role.COMPANY_USER]), login.email, login.company))
        others = other_company_logins()
        if others:  # one line for the companies that log in with their own email (hrd@paserbatubara.demo …)
            more = both(_("%(count)s more companies: each logs in with its email")) % {"count": len(others)}
            rows.append((both(ROLE_LABELS[Role.COMPANY_USER]), f"{others[0]} …", more))
        email, phone = job_seeker_login()
        if email:
            or_phone = both(_("or phone"))  # outside the f-string, where makemessages finds it
            rows.append((both(ROLE_LABELS[Role.JOB_SEEKER]), email, f"{or_phone} {phone}"))
        role_width = max(len(role) for role, _login, _scope in rows)
        login_width = max(len(login) for _role, login, _scope in rows)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(both(_("Demo logins"))))
        password_label = both(_("Password for every demo account"))
        self.stdout.write(f"  {password_label}: {self.style.WARNING(DEMO_PASSWORD)}")
        for role, login, scope in rows:
            self.stdout.write(f"  {role:<{role_width}}  {login:<{login_width}}  {scope}".rstrip())
        self.stdout.write("  " + both(_("Two-factor authentication is off on this demo server; in production, staff "
                                        "set it up at their first login.")))
