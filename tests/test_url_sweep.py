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
    "reference:region_list", "programmes:year_list", "programmes:package_list", "programmes:package_create",
    "programmes:batch_list", "programmes:batch_calendar", "programmes:batch_create",
}

# Kwargs for the no-object patterns that take a non-object argument.
NO_OBJECT_KWARGS = {"registry:import_template": {"fmt": "xlsx"}}


def _object_kwargs(name, objects):
    """URL kwargs that point at an object of BLKI Balikpapan."""
    person, batch = objects["person"], objects["batch"]
    return {
        "programmes:package_edit": {"pk": batch.package_id},
        "programmes:batch_detail": {"pk": batch.pk},
        "programmes:batch_edit": {"pk": batch.pk},
        "programmes:batch_transition": {"pk": batch.pk},
        "programmes:batch_capacity": {"pk": batch.pk},
        "programmes:batch_sessions": {"pk": batch.pk},
        "training:candidates": {"batch_pk": batch.pk},
        "training:enrol": {"batch_pk": batch.pk},
        "training:attendance": {"batch_pk": batch.pk},
        "training:completion": {"batch_pk": batch.pk},
        "training:document": {"batch_pk": batch.pk, "doc": "peserta", "fmt": "pdf"},
        "training:withdraw": {"pk": objects["enrolment"].pk},
        "registry:person_detail": {"pk": person.pk},
        "registry:person_edit": {"pk": person.pk},
        "registry:person_reveal_nik": {"pk": person.pk},
        "registry:person_confirm_nik": {"pk": person.pk},
        "registry:person_add_training": {"pk": person.pk},
        "programmes:centre_detail": {"pk": objects["centre"].pk},
        "programmes:year_detail": {"pk": batch.programme_year_id},
        "programmes:target_update": {"pk": objects["target"].pk},
    }.get(name)


OBJECT_URLS = {
    "programmes:package_edit", "programmes:batch_detail", "programmes:batch_edit", "programmes:batch_transition",
    "programmes:batch_capacity", "programmes:batch_sessions", "training:candidates", "training:enrol",
    "training:attendance", "training:completion", "training:document", "training:withdraw",
    "registry:person_detail", "registry:person_edit", "registry:person_reveal_nik", "registry:person_confirm_nik",
    "registry:person_add_training", "programmes:centre_detail", "programmes:target_update",
}

# Objects that belong to the whole province, not to one centre: every staff member may read them.
PROVINCE_OBJECTS = {"programmes:year_detail"}

# Who owns each object for the positive control (default: the operator of BLKI Balikpapan).
OWNER = {"programmes:target_update": "province_admin"}


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
    unclassified = names - PUBLIC - NO_OBJECT - OBJECT_URLS - PROVINCE_OBJECTS
    assert not unclassified, f"add these URL names to the sweep: {sorted(unclassified)}"
    stale = (PUBLIC | NO_OBJECT | OBJECT_URLS | PROVINCE_OBJECTS) - names
    assert not stale, f"the sweep names URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def balikpapan_objects(balikpapan, person_balikpapan, batch_balikpapan):
    from kompeten.programmes.models import Target
    from kompeten.training.models import Enrolment

    enrolment = Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator")
    target = Target.objects.create(programme_year=batch_balikpapan.programme_year, kind="certified",
                                   centre=balikpapan, number=1000)
    return {"centre": balikpapan, "person": person_balikpapan, "batch": batch_balikpapan, "enrolment": enrolment,
            "target": target}


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
def test_owner_reaches_object(name, client, request, balikpapan_objects):
    """The positive control: the same URL works for the object's owner (the operator of its own centre)."""
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(request.getfixturevalue(OWNER.get(name, "operator_balikpapan")))
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers & {200, 302}, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS | NO_OBJECT | PROVINCE_OBJECTS))
def test_anonymous_is_sent_to_login(name, client, balikpapan_objects):
    kwargs = _object_kwargs(name, balikpapan_objects) or NO_OBJECT_KWARGS.get(name, {})
    url = reverse(name, kwargs=kwargs)
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (302, 405), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(PROVINCE_OBJECTS))
def test_province_objects_are_for_staff_only(name, client, operator_bontang, job_seeker, company_user,
                                             balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(operator_bontang)
    assert client.get(url).status_code == 200
    for outsider in (job_seeker, company_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
