"""The Indonesian catalogue: complete, compiled, loaded by Django, and with the placeholders of its source.

After adding or changing a string, run ``make messages`` (makemessages + compilemo), translate the new
entries in kompeten/locale/id/LC_MESSAGES/django.po and compile again; these tests fail until then.
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO_PATH = LOCALE / "id" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# printf-style conversions as Python's % operator reads them, %% included (it must survive as %%).
PYTHON_FORMAT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE_FORMAT = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;")


@pytest.fixture(scope="module")
def po():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l id"
    return polib.pofile(str(PO_PATH))


@pytest.fixture(scope="module")
def mo():
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run python -m kompeten.core.compilemo"
    return polib.mofile(str(MO_PATH))


def _entries(catalogue):
    return [e for e in catalogue if not e.obsolete and e.msgid]


def _label(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _forms(entry):
    """The translated forms of an entry: [msgstr], or the plural forms in order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _pairs(catalogue):
    return {(e.msgctxt, e.msgid, e.msgid_plural or None): tuple(_forms(e)) for e in _entries(catalogue)}


# (a) complete ---------------------------------------------------------------------------------------

def test_header_is_indonesian(po):
    assert po.metadata["Language"] == "id"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    for entry in _entries(po):
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == nplurals, _label(entry)


def test_every_entry_is_translated(po):
    assert len(_entries(po)) > 100
    untranslated = [_label(e) for e in _entries(po) if not all(f.strip() for f in _forms(e))]
    assert not untranslated, f"{len(untranslated)} untranslated entries, e.g. {untranslated[:5]}"


def test_no_fuzzy_entries(po):
    fuzzy = [_label(e) for e in _entries(po) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (check the translation, then remove the flag): {fuzzy[:5]}"
    assert not po.metadata_is_fuzzy


# (b) the .mo is the compiled .po ---------------------------------------------------------------------

def test_mo_matches_po(po, mo):
    po_pairs, mo_pairs = _pairs(po), _pairs(mo)
    stale = sorted(str(k[1]) for k in po_pairs.keys() ^ mo_pairs.keys())
    assert not stale, f"django.mo is stale (run python -m kompeten.core.compilemo); differing msgids: {stale[:5]}"
    changed = sorted(str(k[1]) for k in po_pairs if po_pairs[k] != mo_pairs[k])
    assert not changed, f"django.mo is stale (run python -m kompeten.core.compilemo); changed: {changed[:5]}"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# (c) Django loads it -----------------------------------------------------------------------------------

KNOWN = {
    "Log in": "Masuk",
    "Log out": "Keluar",
    "Job seekers": "Pencari kerja",
    "Save": "Simpan",
    "Batches": "Angkatan",
    "Reserve list": "Daftar cadangan",
}


@pytest.mark.parametrize(("english", "indonesian"), KNOWN.items())
def test_indonesian_strings(english, indonesian):
    with translation.override("id"):
        assert gettext(english) == indonesian
    with translation.override("en"):
        assert gettext(english) == english


def test_plural_forms_work():
    with translation.override("id"):
        assert ngettext("%(n)s day", "%(n)s days", 1) % {"n": 1} == "1 hari"
        assert ngettext("%(n)s day", "%(n)s days", 5) % {"n": 5} == "5 hari"
    with translation.override("en"):
        assert ngettext("%(n)s day", "%(n)s days", 1) % {"n": 1} == "1 day"
        assert ngettext("%(n)s day", "%(n)s days", 5) % {"n": 5} == "5 days"


def test_indonesian_is_the_default(settings):
    assert settings.LANGUAGE_CODE == "id"
    with translation.override(settings.LANGUAGE_CODE):
        assert gettext("Log in") == "Masuk"


# (d) placeholders and markup survive ----------------------------------------------------------------------

def _python_placeholders(text):
    return Counter(m.group(0) for m in PYTHON_FORMAT.finditer(text))


def test_python_format_placeholders_match(po):
    wrong = []
    for entry in _entries(po):
        if "python-format" not in entry.flags:
            continue
        if entry.msgid_plural:
            # A plural form may drop the number ("one item"), but never invent or rename a placeholder.
            allowed = set(_python_placeholders(entry.msgid) | _python_placeholders(entry.msgid_plural))
            expected = set(_python_placeholders(entry.msgid_plural))
            for form in _forms(entry):
                if not set(_python_placeholders(form)) <= allowed or not expected <= set(_python_placeholders(form)):
                    wrong.append(_label(entry))
        elif _python_placeholders(entry.msgstr) != _python_placeholders(entry.msgid):
            wrong.append(_label(entry))
    assert not wrong, f"placeholders differ from the msgid: {wrong}"


def test_python_format_translations_format(po):
    """Every python-format translation can be %-formatted with the msgid's names, as the code does."""
    for entry in _entries(po):
        if "python-format" not in entry.flags:
            continue
        source = entry.msgid_plural or entry.msgid
        matches = [m for m in PYTHON_FORMAT.finditer(source) if m.group(0) != "%%"]
        names = {m.group("name") for m in matches if m.group("name") is not None}
        values = dict.fromkeys(names, 1) if names else (1,) * len(matches)
        for form in _forms(entry):
            try:
                form % values
            except (KeyError, TypeError, ValueError) as error:
                pytest.fail(f"{_label(entry)!r}: the translation {form!r} cannot be formatted: {error!r}")


def test_brace_placeholders_match(po):
    wrong = [_label(e) for e in _entries(po) if "python-brace-format" in e.flags
             and any(Counter(BRACE_FORMAT.findall(f)) != Counter(BRACE_FORMAT.findall(e.msgid_plural or e.msgid))
                     for f in _forms(e))]
    assert not wrong, f"{{placeholders}} differ from the msgid: {wrong}"


def test_html_markup_kept(po):
    wrong = [_label(e) for e in _entries(po)
             if any(Counter(HTML_TAG.findall(f)) != Counter(HTML_TAG.findall(e.msgid_plural or e.msgid))
                    for f in _forms(e))]
    assert not wrong, f"HTML tags or entities differ from the msgid: {wrong}"


# Rendered pages ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_pages_render_in_indonesian_by_default_and_in_english_on_request(client):
    from django.conf import settings
    from django.urls import reverse

    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # the suite's client chose English; a visitor has not
    for name in ("core:home", "accounts:login", "registry:register"):
        html = client.get(reverse(name)).content.decode()
        assert "Masuk" in html and "Daftar sebagai pencari kerja" in html, name
        assert ">Log in<" not in html and "Register as a job seeker" not in html, name
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in html and "Masuk" not in html


# makemessages finds gettext, gettext_lazy, ngettext, pgettext … and "_" ; under any other alias a string is never
# extracted, and the page shows it in English whatever the language.
EXTRACTED_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
                   "npgettext", "npgettext_lazy", "gettext_noop"}
ALIAS = re.compile(r"from django\.utils\.translation import (?P<names>[^\n(]+)")


def test_translation_functions_are_imported_under_names_makemessages_extracts():
    source_root = LOCALE.parent
    wrong = []
    for path in source_root.rglob("*.py"):
        for match in ALIAS.finditer(path.read_text(encoding="utf-8")):
            for part in match["names"].split(","):
                name, _sep, alias = part.strip().partition(" as ")
                if alias and alias.strip() not in EXTRACTED_NAMES:
                    wrong.append(f"{path.relative_to(source_root)}: {name} as {alias.strip()}")
    assert not wrong, "strings behind these aliases are never translated:\n" + "\n".join(wrong)


# xgettext (0.21) does not look inside f-strings: a message written there is never extracted.
LITERAL = r"""(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
SINGLE_LITERAL = re.compile(rf"\b(?:_|gettext|gettext_lazy)\(\s*({LITERAL})\s*\)")


def test_every_message_in_the_python_code_is_in_the_catalogue(po):
    import ast

    known = {entry.msgid for entry in po if not entry.obsolete}
    source_root = LOCALE.parent
    missing = []
    for path in source_root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for match in SINGLE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            message = ast.literal_eval(match[1])
            if message and message not in known:
                missing.append(f"{path.relative_to(source_root)}: {message!r}")
    assert not missing, "not in the catalogue (run make messages; no message inside an f-string):\n" + "\n".join(
        missing)
