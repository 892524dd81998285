"""French analyzer shared by the lexical index and the query side.

Steps, identical at index and query time: Unicode word split (offsets kept), elision removal
(l', d', qu', j'…), lowercasing, accent folding, stop-word removal, French Snowball stemming.
Folding comes before stemming so that "securite" and "sécurité" give the same term.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

ANALYZER_VERSION = "fr-2"

# A word: a run of letters and digits. The one definition of a word for indexing, querying and places.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ELISIONS = frozenset(
    ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu", "quelqu"]
)

# A few English function words, so that questions asked in English do not match on "the" or "how".
ENGLISH_STOP_WORDS = frozenset(
    "the of and or to in on at by for with from is are was were be been do does did how what which who whom "
    "when where why many much this that these those it its my your our their there can could would should "
    "will i you we they he she me us them have has had any some per about into than then".split()
)

STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "afin",
        "ai",
        "aie",
        "aient",
        "aies",
        "ait",
        "alors",
        "as",
        "au",
        "aucun",
        "aucune",
        "aupres",
        "auquel",
        "aussi",
        "autre",
        "autres",
        "aux",
        "auxquelles",
        "auxquels",
        "avaient",
        "avais",
        "avait",
        "avant",
        "avec",
        "avez",
        "aviez",
        "avions",
        "avoir",
        "avons",
        "ayant",
        "ayez",
        "ayons",
        "c",
        "ca",
        "ce",
        "ceci",
        "cela",
        "celle",
        "celles",
        "celui",
        "cependant",
        "certain",
        "certaine",
        "certaines",
        "certains",
        "ces",
        "cet",
        "cette",
        "ceux",
        "chacun",
        "chacune",
        "chaque",
        "chez",
        "ci",
        "comme",
        "comment",
        "d",
        "dans",
        "de",
        "des",
        "donc",
        "dont",
        "du",
        "duquel",
        "durant",
        "elle",
        "elles",
        "en",
        "encore",
        "entre",
        "es",
        "est",
        "et",
        "etaient",
        "etais",
        "etait",
        "etant",
        "ete",
        "etes",
        "etiez",
        "etions",
        "etre",
        "eu",
        "eue",
        "eues",
        "eumes",
        "eurent",
        "eus",
        "eut",
        "eux",
        "fait",
        "faites",
        "fois",
        "font",
        "furent",
        "fus",
        "fut",
        "ici",
        "il",
        "ils",
        "j",
        "je",
        "jusqu",
        "l",
        "la",
        "laquelle",
        "le",
        "lequel",
        "les",
        "lesquelles",
        "lesquels",
        "leur",
        "leurs",
        "lors",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "meme",
        "memes",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ont",
        "ou",
        "par",
        "parce",
        "pas",
        "peu",
        "peut",
        "plus",
        "pour",
        "pourquoi",
        "qu",
        "quand",
        "que",
        "quel",
        "quelle",
        "quelles",
        "quels",
        "qui",
        "quoi",
        "s",
        "sa",
        "sans",
        "se",
        "sera",
        "serai",
        "seraient",
        "serais",
        "serait",
        "seras",
        "serez",
        "seriez",
        "serions",
        "serons",
        "seront",
        "ses",
        "si",
        "soi",
        "soient",
        "sois",
        "soit",
        "sommes",
        "son",
        "sont",
        "soyez",
        "soyons",
        "suis",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "toute",
        "toutes",
        "tres",
        "tu",
        "un",
        "une",
        "unes",
        "uns",
        "vers",
        "via",
        "vos",
        "votre",
        "vous",
        "vu",
        "y",
    ]
)

_FOLD = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae", "ß": "ss"})


@dataclass(frozen=True)
class Token:
    """An analysed term and the span of the word it came from."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase and strip accents ("Élève" -> "eleve", "œuvre" -> "oeuvre")."""
    text = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(value: str) -> str:
    """ASCII, lowercase, hyphen-separated identifier ("Ville d'Alençon" -> "ville-d-alencon")."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "document"


_stemmers = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; one per thread.
    stemmer = getattr(_stemmers, "fr", None)
    if stemmer is None:
        stemmer = _stemmers.fr = Stemmer.Stemmer("french")
    return stemmer


@lru_cache(maxsize=65536)
def stem(folded_word: str) -> str:
    """French Snowball stem of an already folded word."""
    return _stemmer().stemWord(folded_word)


@lru_cache(maxsize=1 << 18)
def _analysed(word: str) -> tuple[str, str | None]:
    """A word folded, and its term (None for a stop word). Cached: running text repeats its words."""
    folded = fold(word)
    if folded in STOP_WORDS or folded in ENGLISH_STOP_WORDS:
        return folded, None
    return folded, stem(folded)


def tokens(text: str, keep_stop_words: bool = False) -> list[Token]:
    """Analyse `text` into terms with the character spans of their source words."""
    out: list[Token] = []
    for match in WORD.finditer(text):
        end = match.end()
        folded, term = _analysed(match.group())
        if end < len(text) and text[end] in "'’" and folded in _ELISIONS:
            continue
        if term is None:
            if not keep_stop_words:
                continue
            term = stem(folded)
        out.append(Token(term, match.start(), end))
    return out


def term_spans(text: str, terms: frozenset[str] | set[str]) -> list[tuple[int, int]]:
    """[start, end) of the words of `text` whose term is in `terms` (`tokens` without building them)."""
    out: list[tuple[int, int]] = []
    size = len(text)
    for match in WORD.finditer(text):
        folded, term = _analysed(match.group())
        if term is None or term not in terms:
            continue
        end = match.end()
        if end < size and text[end] in "'’" and folded in _ELISIONS:
            continue
        out.append((match.start(), end))
    return out


def analyze(text: str) -> list[str]:
    """Terms of `text`, in order, as indexed and queried."""
    out: list[str] = []
    size = len(text)
    for match in WORD.finditer(text):
        end = match.end()
        folded, term = _analysed(match.group())
        if term is None or (end < size and text[end] in "'’" and folded in _ELISIONS):
            continue
        out.append(term)
    return out


def folded_words(text: str) -> list[str]:
    """The words of `text`, folded (lower case, no accents)."""
    return [_analysed(word)[0] for word in WORD.findall(text)]


def words(text: str) -> list[str]:
    """The words of `text` as written (no analysis)."""
    return WORD.findall(text)


def describe() -> dict[str, object]:
    """Analyzer parameters recorded in the bundle manifest."""
    return {
        "version": ANALYZER_VERSION,
        "language": "french",
        "stemmer": "snowball-french (PyStemmer)",
        "accent_folding": True,
        "elisions": sorted(_ELISIONS),
        "stop_words": len(STOP_WORDS) + len(ENGLISH_STOP_WORDS),
    }
