"""Person names, standardised for record linkage (pure Python, no database).

``normalise_name`` turns a name as typed anywhere (registration forms, old BLK spreadsheets, SIAPkerja / Skillhub
exports, BNSP lists) into a canonical form, so that variants of one person's name agree:

1. NFKD, then ASCII only, lower case; apostrophes dropped ("Ma'ruf" = "Maruf"); every other non-letter (dots,
   commas, hyphens, digits) separates words.
2. Old spelling modernised, word by word, until nothing changes (``modern_spelling``):
   - oe -> u, dj -> j, tj -> c, sj -> sy everywhere: these letter pairs do not occur in modern spelling.
   - nj -> ny only at the start of a word: "Njoman" -> "nyoman", but modern "Panji", "Anjar" keep their "nj"
     (the old spelling of those is "ndj", which dj -> j already turns into "nj").
   - vowel + hj -> vowel + hy: old j is modern y, and "hj" does not occur in modern names ("Tjahjono" ->
     "cahyono", "Wahjoe" -> "wahyu"). A word starting with "hj" (the title Hj.) is left alone.
   - ch -> kh (old spelling of kh: "Chairul" -> "khairul"). Applied everywhere: names written with a Western
     "ch" ("Christina", "Michael") only change consistently on both sides, and their "k" variants now agree.
   - vowel + kh + consonant -> h: the one Arabic name written ch, kh and h alike ("Achmad", "Akhmad", "Ahmad";
     "Rachmat", "Rahmat"; "Fachri", "Fakhri", "Fahri"; "Bachtiar", "Bahtiar"). "Khairul", "Mikhael" keep kh.
   The general old j -> y and u/oe ambiguities beyond these are left alone (modern j and y are both common).
3. "bin", "binti", "bt", "bte", "binte" removed (the father's name after them is kept: it helps).
4. Titles at the start (H., Hj., Ir., Dr., Drs., Dra., Prof., K.H., Ust., Ny., Bpk. ...) and degrees at the end
   (S.T., S.Pd., S.Kom., A.Md., S.E., M.M., Amd, SH, ... with or without dots, spaces or commas: "S. Pd" and
   "SPd" alike) removed, repeatedly. Never every word: a name that is nothing but titles keeps its last word.
   "M." is not a title (it is Muhammad); titles in the middle of a name are kept.
5. Abbreviations expanded: m, moh, moch, muh, mhd, md, mochammad, mohammad, muhamad, muhammmad, ... ->
   muhammad ("m" only when another word follows: a final "M" is usually an initial of the father's name);
   "st" -> siti only as the first of several words; sitti -> siti; abd -> abdul; noor -> nur (Banjar spelling).
   "Nur Hayati" and "Nurhayati" agree through the key (the words joined), not here.

The result is lower case ASCII letters and single spaces, and ``normalise_name`` is idempotent. Results are
cached (names repeat).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile(r"['`]")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_VOWEL_HJ = re.compile(r"([aeiou])hj")
_VOWEL_KH_CONSONANT = re.compile(r"([aeiou])kh([b-df-hj-np-tv-z])")

# Prefix titles, as words after spelling (dots and spaces gone): religious, academic, professional, forms of address.
TITLES = frozenset({
    "h", "hj", "haji", "hajah", "hajjah", "kh", "kyai", "kiai", "ust", "ustad", "ustadz", "ustaz", "ustadzah",
    "ustazah", "ir", "dr", "drs", "dra", "drg", "prof", "apt", "ns", "ny", "nn", "tn", "sdr", "sdri", "sdra", "bpk",
    "bapak", "ibu", "mr", "mrs", "ms",
})
# Degrees after the name, written without dots and spaces ("S.Pd.I" -> "spdi", "A.Md.Kep" -> "amdkep").
DEGREES = frozenset({
    # sarjana (S1) and sarjana terapan
    "st", "se", "sh", "spd", "spdi", "spdsd", "skom", "ssos", "sip", "sikom", "sag", "ssi", "skm", "skep", "sked",
    "sfarm", "stp", "sp", "ss", "sth", "shi", "sei", "ssy", "sst", "str", "strkes", "strkep", "sm", "sds", "ssn",
    "sars", "spsi", "spt", "spi", "shut", "sgz", "sak", "stat", "sstat", "sikp", "skel", "spdsi", "sthi", "sfil",
    "spsos",
    # magister, doctor
    "mm", "mt", "mh", "msi", "mpd", "mpdi", "mkes", "mkom", "mag", "msc", "mba", "meng", "mak", "mhum", "mkn",
    "mars", "mpsi", "mfarm", "mtr", "msos", "mkep", "mhi", "phd",
    # diploma (ahli madya, ahli pratama), professions
    "amd", "ama", "amapd", "amk", "amdkep", "amdkeb", "amdkes", "amdkom", "amdpar", "amdt", "amdak", "amdfarm",
    "amdgz", "amdtek", "amdsi", "amdan", "amdbid", "ak", "apt", "ners", "ns", "lc", "bsc", "cpa",
})


def _splits(text: str) -> list[tuple[str, ...]]:
    """Every way to write ``text`` as 1-4 words of at most 4 letters ("spdi" -> ("s", "pd", "i"), ...)."""
    if not text:
        return [()]
    return [(text[:size], *rest) for size in range(1, min(4, len(text)) + 1) for rest in _splits(text[size:])]


# A degree written with dots or spaces is several words ("S.Pd.I" -> "s pd i"): every such spelling, as a tuple.
# Degrees that are also names ("Ama", "Mars") count only when written with dots or spaces ("A.Ma.").
_ONLY_SPELLED_OUT = frozenset({"ama", "mars"})
_DEGREE_WORDS = frozenset({(degree,) for degree in DEGREES - _ONLY_SPELLED_OUT}
                          | {split for degree in DEGREES for split in _splits(degree) if 1 < len(split) <= 4})
_DEGREE_ENDINGS = frozenset(words[-1] for words in _DEGREE_WORDS)  # a quick first test
_TITLE_STARTS = TITLES | {"k"}
_BIN = frozenset({"bin", "binti", "bt", "bte", "binte"})

# Abbreviations and variants -> the full word (keys as typed; they are put through modern_spelling below).
_MUHAMMAD = (
    "moh", "mohd", "moch", "mochd", "much", "muh", "mhd", "mhmd", "md", "mochamad", "mochammad", "mohamad",
    "mohammad", "mohamed", "mohammed", "muhamad", "muhammmad", "muhamed", "muhammed", "muchamad", "muchammad",
    "moehamad", "moehammad", "muhamat", "muhammat", "mochamat", "mukhamad", "mukhammad", "mokhamad", "mokhammad",
    "muhd", "muhammadd", "muhhammad", "mohammat",
)
_ANYWHERE = {**dict.fromkeys(_MUHAMMAD, "muhammad"), "sitti": "siti", "abd": "abdul", "abdoel": "abdul",
             "noor": "nur"}


@lru_cache(maxsize=1 << 15)
def modern_spelling(word: str) -> str:
    """A lower case word in modern (EYD) spelling, as far as that is safe (see the module docstring)."""
    previous = None
    while word != previous and ("oe" in word or "j" in word or "ch" in word or "kh" in word):
        previous = word
        if "oe" in word:
            word = word.replace("oe", "u")
        if "j" in word:
            word = word.replace("dj", "j").replace("tj", "c").replace("sj", "sy")
            if word.startswith("nj"):
                word = "ny" + word[2:]
            if "hj" in word:
                word = _VOWEL_HJ.sub(r"\1hy", word)
        if "ch" in word:
            word = word.replace("ch", "kh")
        if "kh" in word:
            word = _VOWEL_KH_CONSONANT.sub(r"\1h\2", word)
    return word


_EXPAND = {modern_spelling(key): value for key, value in _ANYWHERE.items()}


def _words(raw) -> list[str]:
    if raw is None:
        return []
    text = raw if isinstance(raw, str) else str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    if "'" in text or "`" in text:
        text = _APOSTROPHES.sub("", text)
    return [modern_spelling(word) for word in _NOT_LETTERS.split(text) if word]


def _strip_titles(words: list[str]) -> list[str]:
    """Titles removed from the start, degrees from the end; at least one word is kept."""
    start, end = 0, len(words)
    while end - start > 1:
        if words[start] in TITLES:
            start += 1
        elif (end - start > 2 and len(words[start]) == 1 and len(words[start + 1]) == 1
              and words[start] + words[start + 1] in TITLES):  # "K. H."
            start += 2
        else:
            break
    while end - start > 1 and words[end - 1] in _DEGREE_ENDINGS:
        for size in (4, 3, 2, 1):  # the longest first: "s ak" is one degree, not "ak" and a name "s"
            if end - start > size and tuple(words[end - size:end]) in _DEGREE_WORDS:  # at least one word stays
                end -= size
                break
        else:
            break
    return words[start:end]


@lru_cache(maxsize=1 << 17)
def _normalise(text: str) -> str:
    words = _words(text)
    if not words:
        return ""
    if _BIN.intersection(words):
        words = [word for word in words if word not in _BIN] or words
    if words[0] in _TITLE_STARTS or words[-1] in _DEGREE_ENDINGS:
        words = _strip_titles(words)
    last = len(words) - 1
    out = []
    for index, word in enumerate(words):
        full = _EXPAND.get(word)
        if full is not None:
            word = full
        elif word == "m" and index < last:
            word = "muhammad"
        elif word == "st" and index == 0 and last > 0:
            word = "siti"
        out.append(word)
    return " ".join(out)


def normalise_name(raw) -> str:
    """The canonical form of a name (module docstring); "" when it holds no letter. Never raises."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return ""
        raw = str(raw)
    return _normalise(raw)


def name_tokens(normalised: str) -> tuple[str, ...]:
    """The words of a normalised name."""
    return tuple(normalised.split()) if normalised else ()
