"""The export misses no personal data: walk every Kompeten model reachable from Person and check that each field
that marks personal data is exported, and that a real person's every personal value is in their export."""

import json
import re

from django.apps import apps
from django.db import models

from kompeten.privacy import services
from kompeten.registry.models import Person

# A field is personal when its name or its verbose name says so.
PERSONAL_NAME = re.compile(r"(^|_)(nik|nik15|birth|street|address|rt|rw|phone|email|name|kk|raw|holder|employer"
                           r"|apl01)(_|$)")
PERSONAL_VERBOSE = re.compile(r"\b(name|address|phone|email|birth|nik|holder|as it came)\b", re.IGNORECASE)


def is_personal(field) -> bool:
    if field.is_relation or field.primary_key:
        return False
    return bool(PERSONAL_NAME.search(field.name) or PERSONAL_VERBOSE.search(str(field.verbose_name)))


def _kompeten(model) -> bool:
    return model.__module__.startswith("kompeten.")


def edges(model):
    """The relations to follow from ``model``, as (field, target model, reverse): rows of any Kompeten model that
    point at it (a FK or O2O, with or without a related name: they belong to it) and its own one-to-one links
    (Person.user). Not the rows a user account wrote about others (reverse from User), not forward FKs into shared
    data (regions, batches, centres)."""
    for other in apps.get_models():
        if not _kompeten(other) or model._meta.label == "accounts.User":
            continue
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                yield field, other, True
    for field in model._meta.concrete_fields:
        if field.one_to_one and _kompeten(field.related_model):
            yield field, field.related_model, False


def reachable_models() -> list:
    seen, queue = [Person], [Person]
    while queue:
        model = queue.pop(0)
        for _field, target, _reverse in edges(model):
            if target not in seen:
                seen.append(target)
                queue.append(target)
    return seen


def test_the_walk_reaches_the_tables_of_every_app_with_personal_data():
    labels = {model._meta.label for model in reachable_models()}
    for expected in ("accounts.User", "registry.PriorTraining", "selection.Choice", "training.Attendance",
                     "assessment.UnitResult", "certificates.Certificate", "apprenticeships.LogbookEntry",
                     "jobs.Outcome", "linkage.SourceRecord", "linkage.BlockingKey", "reporting.Fact",
                     "privacy.PrivacyRequest"):
        assert expected in labels


def test_every_personal_field_of_every_reachable_model_is_exported():
    missing = []
    for model in reachable_models():
        label = model._meta.label
        personal = [field.name for field in model._meta.concrete_fields if is_personal(field)]
        if label not in services.PERSON_ROWS:
            missing.append(f"{label} (whole model; personal fields: {personal or 'none'})")
            continue
        exported = {field.name for field in services.exported_fields(label)}
        missing += [f"{label}.{name}" for name in personal if name not in exported]
    assert not missing, "personal data the export misses (add to privacy.services.PERSON_ROWS): " + ", ".join(
        missing)


def _values(person):
    """(label, field, value) of every non-empty personal field of the rows reachable from ``person`` — found by
    following the same edges on instances, independently of the export's PERSON_ROWS."""
    found, seen, queue = [], set(), [person]
    while queue:
        obj = queue.pop(0)
        key = (obj._meta.label, obj.pk)
        if key in seen:
            continue
        seen.add(key)
        for field in obj._meta.concrete_fields:
            value = getattr(obj, field.attname)
            if is_personal(field) and value not in (None, "", {}, []):
                found.append((obj._meta.label, field.name, value))
        for field, target, reverse in edges(type(obj)):
            if reverse:
                queue.extend(target._default_manager.filter(**{field.name: obj}))
            elif getattr(obj, field.attname) is not None:
                queue.append(getattr(obj, field.name))
    return found


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_a_persons_every_personal_value_is_in_the_export(rich_person):
    values = _values(rich_person)
    labels = {label for label, _name, _value in values}
    assert {"registry.Person", "accounts.User", "certificates.Certificate", "linkage.SourceRecord",
            "jobs.Outcome"} <= labels
    text = json.dumps(services.export_person_data(rich_person), ensure_ascii=False)
    missing = []
    for label, name, value in values:
        for leaf in _leaves(value):
            shown = leaf.isoformat() if hasattr(leaf, "isoformat") else str(leaf)
            if isinstance(leaf, models.fields.files.FieldFile):
                shown = leaf.name
            if json.dumps(shown, ensure_ascii=False)[1:-1] not in text:
                missing.append(f"{label}.{name}={shown!r}")
    assert not missing, "values missing from the export: " + ", ".join(missing)


def test_export_has_processing_history_and_no_password(rich_person):
    data = services.export_person_data(rich_person)
    actions = {(entry["object_type"], entry["action"]) for entry in data["processing_history"]}
    assert ("registry.person", "update") in actions  # the phone change
    assert ("registry.person", "view_nik") in actions
    assert ("certificates.certificate", "create") in actions
    assert "password" not in data["records"]["accounts.User"][0]
    assert data["records"]["registry.Person"][0]["nik"] == rich_person.nik


def test_every_kompeten_app_with_a_person_is_walked():
    """The walk covers models of every app that links to Person (a new app's model is walked too)."""
    apps_with_person = {model._meta.app_label for model in apps.get_models() if _kompeten(model)
                        and any(f.is_relation and f.related_model is Person for f in model._meta.concrete_fields)}
    walked = {model._meta.app_label for model in reachable_models()}
    assert apps_with_person <= walked
