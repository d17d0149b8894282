"""Empty lists say what to do next, with a button when the user may do it (core/_empty_row.html); with filters in
the address, they say that nothing matches and link to the unfiltered list."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def empty_row(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    rows = re.findall(r'<tr class="empty-state">(.*?)</tr>', response.content.decode(), re.S)
    assert len(rows) == 1, f"{url}: {len(rows)} empty-state rows"
    return rows[0]


@pytest.mark.parametrize(("url_name", "sentence", "action"), [
    ("programmes:batch_list", "No batch yet. Open a batch", "programmes:batch_create"),
    ("selection:round_list", "No selection round yet.", "selection:round_create"),
    ("registry:person_list", "No job seeker registered yet.", "registry:person_create"),
    ("linkage:list_index", "No list imported yet.", "linkage:import"),
    ("apprenticeships:placement_list", "No apprentice placed yet.", "apprenticeships:placement_create"),
])
def test_an_operators_empty_list_says_what_to_do_and_links_to_it(client, operator_balikpapan, url_name, sentence,
                                                                  action):
    row = empty_row(client, operator_balikpapan, reverse(url_name))
    assert sentence in row
    assert f'class="btn btn-sm btn-primary" href="{reverse(action)}"' in row


def test_without_the_right_to_act_the_sentence_stays_and_the_button_goes(client, company_user):
    row = empty_row(client, company_user, reverse("apprenticeships:placement_list"))
    assert "No apprentice placed yet." in row and "btn" not in row


def test_the_province_admins_empty_lists(client, province_admin):
    row = empty_row(client, province_admin, reverse("privacy:request_list"))
    assert "No personal data request." in row and "btn" not in row  # recorded from a person's page: no button
    row = empty_row(client, province_admin, reverse("linkage:queue"))
    assert "Nothing to review" in row and f'href="{reverse("linkage:import")}"' in row


def test_a_filtered_empty_list_offers_to_clear_the_filters(client, operator_balikpapan):
    url = reverse("programmes:batch_list")
    row = empty_row(client, operator_balikpapan, url + "?q=nothing-like-this")
    assert "Nothing matches these filters." in row
    assert f'href="{url}"' in row
    assert "No batch yet" not in row
