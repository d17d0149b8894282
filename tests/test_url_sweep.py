"""Every URL pattern of the project is accounted for here.

Patterns that take an object are requested as the outsider (the operator of BLKI Bontang asking for
BLKI Balikpapan's objects, and a job seeker asking for someone else's) and must answer 404, never 403
or 200. Patterns without an object are listed explicitly, as public or as scoped list pages (whose
scoping has its own tests). A new URL pattern that is in neither list fails this test.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Public pages: anyone, logged in or not.
PUBLIC = {
    "set_language", "core:home", "core:healthz", "accounts:login", "accounts:logout", "registry:register",
    "reference:villages",
}

# Pages without an object: their querysets go through visible_to(), tested in the apps' tests.
NO_OBJECT = {
    "accounts:account", "accounts:password_change", "registry:person_list", "registry:person_export",
    "registry:person_create", "registry:import", "registry:import_template", "registry:my_profile",
    "registry:my_profile_edit", "registry:my_consent", "programmes:centre_list", "audit:list",
    "reference:region_list",
}


def _object_kwargs(name, objects):
    """URL kwargs that point at an object of BLKI Balikpapan."""
    person = objects["person"]
    return {
        "registry:person_detail": {"pk": person.pk},
        "registry:person_edit": {"pk": person.pk},
        "registry:person_reveal_nik": {"pk": person.pk},
        "registry:person_confirm_nik": {"pk": person.pk},
        "registry:person_add_training": {"pk": person.pk},
        "programmes:centre_detail": {"pk": objects["centre"].pk},
    }.get(name)


OBJECT_URLS = {
    "registry:person_detail", "registry:person_edit", "registry:person_reveal_nik", "registry:person_confirm_nik",
    "registry:person_add_training", "programmes:centre_detail",
}


def all_url_names(patterns=None, namespace=""):
    names = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= all_url_names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_url_pattern_is_classified():
    names = all_url_names()
    unclassified = names - PUBLIC - NO_OBJECT - OBJECT_URLS
    assert not unclassified, f"add these URL names to the sweep: {sorted(unclassified)}"
    stale = (PUBLIC | NO_OBJECT | OBJECT_URLS) - names
    assert not stale, f"the sweep names URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def balikpapan_objects(balikpapan, person_balikpapan):
    return {"centre": balikpapan, "person": person_balikpapan}


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_outsider_operator_gets_404(name, client, operator_bontang, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(operator_bontang)
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers <= {404, 405} and 404 in answers, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_job_seeker_gets_404_for_others(name, client, job_seeker, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(job_seeker)
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers <= {404, 405} and 404 in answers, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_owner_operator_reaches_object(name, client, operator_balikpapan, balikpapan_objects):
    """The positive control: the same URL works for the operator of the object's own centre."""
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(operator_balikpapan)
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers & {200, 302}, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS | (NO_OBJECT - {"registry:import_template"})))
def test_anonymous_is_sent_to_login(name, client, balikpapan_objects):
    kwargs = _object_kwargs(name, balikpapan_objects) or {}
    url = reverse(name, kwargs=kwargs)
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (302, 405), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
