"""Progress displays of the long tasks besides certificate issuance (which has its own, certificates/_job_progress):

- the imports (job seekers, participant lists, vacancies) check and write the whole file before the page answers:
  their form shows an indeterminate progress bar from the moment it is submitted (core/_submit_progress.html,
  kompeten/progress.js), checked in a real browser with the answer held back;
- the record linkage that a person import leaves to background tasks: a bar on the import page, from the task rows
  of the database backend, polled with htmx until every part is done (core/_progress.html, core/progress.py).
"""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import make_user
from kompeten.core.browser import launched_chromium
from kompeten.core.progress import linking_after_import
from kompeten.linkage.tasks import link_registrations
from kompeten.programmes.models import TrainingCentre
from kompeten.reference.loader import load_all
from kompeten.registry.models import ImportJob

TIMEOUT = 15_000  # ms


@pytest.fixture
def database_tasks(settings):
    """The tasks are kept as rows (the production backend) instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def linking_bar(client) -> str:
    html = client.get(reverse("registry:import")).content.decode()
    found = re.search(r'<div id="linking-progress".*?</div>\s*<p.*?</p>\s*</div>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.django_db
def test_the_import_page_shows_the_background_linking_until_it_is_done(database_tasks, client,
                                                                        operator_balikpapan, operator_bontang):
    client.force_login(operator_balikpapan)
    assert linking_bar(client) == ""  # no import yet
    ImportJob.objects.create(filename="peserta.xlsx", requested_by=operator_balikpapan, status=ImportJob.Status.DONE)
    for chunk in ([1, 2], [3], [4, 5]):
        link_registrations.enqueue(chunk, operator_balikpapan.pk)
    link_registrations.enqueue([6], operator_bontang.pk)  # someone else's import: not counted
    assert DBTaskResult.objects.count() == 4

    bar = linking_bar(client)
    assert 'role="progressbar"' in bar and 'aria-valuenow="0"' in bar
    assert "0 of 3 parts done." in bar
    assert f'hx-get="{reverse("registry:import")}"' in bar and 'hx-select="#linking-progress"' in bar

    rows = list(DBTaskResult.objects.filter(args_kwargs__args__1=operator_balikpapan.pk).order_by("enqueued_at"))
    DBTaskResult.objects.filter(pk=rows[0].pk).update(status="SUCCESSFUL")
    bar = linking_bar(client)
    assert 'aria-valuenow="33"' in bar and "1 of 3 parts done." in bar and "hx-get" in bar

    DBTaskResult.objects.filter(pk=rows[1].pk).update(status="FAILED")
    DBTaskResult.objects.filter(pk=rows[2].pk).update(status="SUCCESSFUL")
    bar = linking_bar(client)
    assert 'aria-valuenow="100"' in bar and "3 of 3 parts done." in bar and "1 part failed" in bar
    assert "hx-get" not in bar  # finished: the polling stops


@pytest.mark.django_db
def test_with_tasks_run_at_once_there_is_no_linking_bar(client, operator_balikpapan):
    """The test settings run tasks at once (no rows): nothing runs in the background, so nothing is shown."""
    ImportJob.objects.create(filename="peserta.xlsx", requested_by=operator_balikpapan, status=ImportJob.Status.DONE)
    link_registrations.enqueue([], operator_balikpapan.pk)
    assert linking_after_import(operator_balikpapan) is None
    client.force_login(operator_balikpapan)
    assert linking_bar(client) == ""


# --- the import forms show their bar while the server works ----------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["registry:import", "linkage:import", "jobs:vacancy_import"])
def test_every_import_form_has_a_hidden_progress_bar(client, province_admin, url_name):
    client.force_login(province_admin)
    html = client.get(reverse(url_name)).content.decode()
    form = re.search(r"<form [^>]*data-progress>.*?</form>", html, re.S).group(0)
    assert 'type="file"' in form
    assert re.search(r'<div class="mt-3" data-progress-bar hidden>\s*<div class="progress progress-labelled" '
                     r'role="progressbar" aria-label="Checking and importing the file…">', form)
    assert "kompeten/progress.js" in html



@pytest.fixture(scope="module")
def reference_data_after_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        if not TrainingCentre.objects.exists():
            load_all()  # the transactional test's flush emptied it; the modules that follow expect it


@pytest.fixture
def reference_data(reference_data_after_module, transactional_db):
    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()
    cache.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url_name", ["registry:import", "linkage:import", "jobs:vacancy_import"])
def test_an_import_form_shows_its_progress_bar_once_submitted(reference_data, live_server, monkeypatch, url_name):
    admin = make_user("admin@disnakertrans.test", "province_admin")  # the one who may use all three
    client = Client()
    client.force_login(admin)
    with launched_chromium(monkeypatch) as browser:
        context = browser.new_context()
        context.add_cookies([
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        url = live_server.url + reverse(url_name)
        page.goto(url, wait_until="networkidle")
        form = page.locator("form[data-progress]")
        bar = form.locator("[data-progress-bar]")
        assert bar.is_hidden()
        assert bar.locator('[role="progressbar"]').get_attribute("aria-label") == "Checking and importing the file…"

        # The submission itself is stopped by a listener on window (it runs after the page's own, on document):
        # the page stays, as it does while a large file is checked and imported.
        page.evaluate("""() => { window.__submitted = 0; window.addEventListener("submit", (event) => {
                                   window.__submitted += 1; event.preventDefault(); }); }""")
        form.locator("input[type=file]").set_input_files(
            files=[{"name": "peserta.csv", "mimeType": "text/csv", "buffer": b"nik,nama\n"}])
        form.locator("button[type=submit]").click()
        page.wait_for_function("window.__submitted === 1")
        assert bar.is_visible() and form.get_attribute("aria-busy") == "true"
        assert "keep this page open" in bar.inner_text()
        context.close()
