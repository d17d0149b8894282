"""Name normalisation for the linkage (kompeten/linkage/names.py): examples of every rule, and properties on random
names (hypothesis). Plain functions: no database."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompeten.linkage.names import DEGREES, TITLES, modern_spelling, name_tokens, normalise_name

CANONICAL = re.compile(r"(?:[a-z]+(?: [a-z]+)*)?")


@pytest.mark.parametrize("raw, expected", [
    # case, accents, punctuation, spaces
    ("  BUDI   santoso ", "budi santoso"),
    ("José Álvarez", "jose alvarez"),
    ("Ma'ruf Amin", "maruf amin"),
    ("Ma’ruf Amin", "maruf amin"),
    ("Nur-Hayati", "nur hayati"),
    ("Budi_Santoso2", "budi santoso"),
    # titles before the name, with or without dots
    ("H. Budi Santoso", "budi santoso"),
    ("Hj Siti Aminah", "siti aminah"),
    ("Prof. Dr. Ir. H. Budi Santoso", "budi santoso"),
    ("Drs. Budi", "budi"),
    ("Dra Dewi", "dewi"),
    ("K.H. Ahmad Dahlan", "ahmad dahlan"),
    ("Ny. Dewi", "dewi"),
    # degrees after the name: with commas, dots, spaces or none
    ("Budi Santoso, S.T.", "budi santoso"),
    ("Budi Santoso, S.T., M.M.", "budi santoso"),
    ("Budi Santoso,S.E.,M.M", "budi santoso"),
    ("Siti Nur Hayati, S. Pd", "siti nur hayati"),
    ("Ahmad S.Pd.I", "ahmad"),
    ("Budi S.Kom", "budi"),
    ("Budi Santoso A.Md", "budi santoso"),
    ("Rina A.Md.Kep.", "rina"),
    ("Budi Amd", "budi"),
    ("Rina A.Ma.", "rina"),
    ("Yohanes Ama", "yohanes ama"),  # a name, not the degree A.Ma.
    ("Budi Santoso SH", "budi santoso"),
    ("Budi Santoso SE MM", "budi santoso"),
    ("Dr. H. Muhammad Yusuf, S.T., M.M.", "muhammad yusuf"),
    # a title in the middle stays
    ("Budi H. Santoso", "budi h santoso"),
    # old spelling
    ("Soekarno", "sukarno"),
    ("Djoko Tjahjono", "joko cahyono"),
    ("Wahjoe", "wahyu"),
    ("Sjahrir", "syahrir"),
    ("Njoman Pandji", "nyoman panji"),
    ("Panji Tanjung", "panji tanjung"),
    ("Chairul", "khairul"),
    ("Achmad", "ahmad"),
    ("Akhmad", "ahmad"),
    ("Rachmat Fachri", "rahmat fahri"),
    ("Abdoel Rachman", "abdul rahman"),
    # abbreviations
    ("M. Rizki", "muhammad rizki"),
    ("Moh. Rizki", "muhammad rizki"),
    ("Moch Rizki", "muhammad rizki"),
    ("Muh. Rizki", "muhammad rizki"),
    ("Mhd Rizki", "muhammad rizki"),
    ("Mochamad Rizki", "muhammad rizki"),
    ("Mochammad Rizki", "muhammad rizki"),
    ("Mohammad Rizki", "muhammad rizki"),
    ("Muhamad Rizki", "muhammad rizki"),
    ("Muhammmad Rizki", "muhammad rizki"),
    ("Budi M", "budi m"),  # a final M is an initial, not Muhammad
    ("St. Aminah", "siti aminah"),
    ("Aminah Siti", "aminah siti"),
    ("Sitti Aminah", "siti aminah"),
    ("Abd. Rahman", "abdul rahman"),
    ("Noor Hayati", "nur hayati"),
    # bin / binti: the marker goes, the father's name stays
    ("Ahmad bin Yusuf", "ahmad yusuf"),
    ("Siti Aminah binti Abdullah", "siti aminah abdullah"),
    ("Siti Bt. Abdullah", "siti abdullah"),
    ("Hj. St. Nurhayati binti Abdoel Rachman, S.Pd", "siti nurhayati abdul rahman"),
    # never everything
    ("H.", "h"),
    ("Bin", "bin"),
    # garbage
    ("", ""),
    ("   ", ""),
    ("!!!", ""),
    ("日本", ""),
    ("12345", ""),
])
def test_examples(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw", [None, 5, 3.5, True, b"Budi", ["Budi"], object()])
def test_not_text(raw):
    assert normalise_name(raw) == ""


@pytest.mark.parametrize("variants", [
    ("Muhammad Rizki", "M. Rizki", "Moh. Rizki", "Moch. Rizki", "Muh. Rizki", "Mhd. Rizki", "Mochamad Rizki",
     "Mohammad Rizki", "Muhamad Rizki", "MOCHAMMAD RIZKI, S.T."),
    ("Siti Aminah", "St. Aminah", "Hj. Siti Aminah", "Siti Aminah, S.Pd."),
    ("Nur Hayati", "Nurhayati", "NUR-HAYATI", "Noor Hayati"),
    ("Abdul Rahman", "Abd. Rahman", "Abdoel Rachman", "Abdulrahman"),
    ("Joko Suharto", "Djoko Soeharto", "Ir. H. Djoko Soeharto, M.M."),
])
def test_variants_share_the_key(variants):
    keys = {"".join(name_tokens(normalise_name(variant))) for variant in variants}
    assert len(keys) == 1, keys


def test_tokens():
    assert name_tokens("siti nur hayati") == ("siti", "nur", "hayati")
    assert name_tokens("") == ()


@pytest.mark.parametrize("word, expected", [
    ("soeharto", "suharto"), ("djoko", "joko"), ("tjipto", "cipto"), ("sjamsul", "syamsul"), ("njoto", "nyoto"),
    ("panji", "panji"), ("pandji", "panji"), ("tjahjono", "cahyono"), ("hj", "hj"), ("chairul", "khairul"),
    ("achmad", "ahmad"), ("khairul", "khairul"), ("mikhael", "mikhael"), ("budi", "budi"),
])
def test_modern_spelling(word, expected):
    assert modern_spelling(word) == expected


# ---------------------------------------------------------------------------------------------
# Properties

# Names made of pieces that exercise every rule (single characters, old spellings, markers, titles, degrees).
NAME_PIECES = st.sampled_from(list("abcdehijkmnorstuyABDHMS .,'-éÜ") + [
    "oe", "dj", "tj", "ch", "kh", "nj", "sj", "hj", " bin ", " binti ", "H. ", "Hj. ", "K.H. ", "S.Pd", ", S.T.",
    "M. ", "St. ", "Abd ", " Amd", "Moch ",
])
NAME_TEXT = st.lists(NAME_PIECES, max_size=20).map("".join)
TITLE_WORDS = st.sampled_from(["H.", "Hj.", "Ir.", "Dr.", "Drs.", "Dra.", "Prof.", "K.H.", "Hj", "dr", "Ny."])
DEGREE_WORDS = st.sampled_from([", S.T.", ", S.Pd.", " S.Kom", " A.Md.", ", S.E.", ", M.M.", " Amd", " SH",
                                ", S.Pd.I", " S. Pd", ", M.Si.", " A.Md.Kep"])
REAL_WORDS = st.sampled_from(["Budi", "Santoso", "Rina", "Wati", "Yusuf", "Aminah", "Hartono", "Lestari"])


@given(st.one_of(NAME_TEXT, st.text(max_size=40)))
def test_idempotent(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once


@given(st.one_of(NAME_TEXT, st.text(max_size=40)))
def test_canonical_form(raw):
    result = normalise_name(raw)
    assert CANONICAL.fullmatch(result)
    assert name_tokens(result) == tuple(result.split())


@given(st.one_of(NAME_TEXT, st.text(max_size=40)))
def test_empty_only_without_letters(raw):
    result = normalise_name(raw)
    letters = any("a" <= ch <= "z" for ch in unicodedata.normalize("NFKD", raw).lower())
    assert bool(result) == letters


@given(st.lists(TITLE_WORDS, max_size=3), st.lists(REAL_WORDS, min_size=1, max_size=3),
       st.lists(DEGREE_WORDS, max_size=3))
def test_titles_and_degrees_removed(titles, words, degrees):
    raw = " ".join([*titles, *words]) + "".join(degrees)
    assert normalise_name(raw) == normalise_name(" ".join(words))


@given(st.lists(TITLE_WORDS, max_size=3), st.lists(DEGREE_WORDS, max_size=3))
def test_never_removes_every_word(titles, degrees):
    raw = " ".join(titles) + "".join(degrees)
    if any(ch.isalpha() for ch in raw):
        assert normalise_name(raw)


@given(st.text(alphabet="abcdehjknostu", max_size=12))
def test_spelling_idempotent(word):
    once = modern_spelling(word)
    assert modern_spelling(once) == once
    assert len(once) <= len(word)


def test_word_lists_are_canonical():
    # Titles and degrees are compared after spelling: they must be stable under it.
    for word in TITLES | DEGREES:
        assert modern_spelling(word) == word
