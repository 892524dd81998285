"""Text normalisation applied to every loaded document before chunking."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_SPACES = re.compile(r"[\u00a0\u202f\u2007\u2009\u200a\t\f\v]")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A word cut at a line end: "dépar-\ntement", "sous-\npréfet", "c'est-à-\ndire" (see join_line_end_hyphens).
# (starts only where a word starts: linear time on a long run of letters)
_LINE_END_HYPHEN = re.compile(r"(?<![^\W\d_])([^\W\d_]*[a-zà-öø-ÿœ])-\n([a-zà-öø-ÿœ]+)")
_LOOK_BACK = 40  # characters before a cut searched for the start of its word ("c'est-à-")
# "Aix-en-\nProvence": the hyphen stays (not "I-\nINTRODUCTION", "AMÉNAGE-\nMENT": headings)
_LINE_END_COMPOUND = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿœ]{2})-\n([A-ZÀ-ÖØ-Þ][a-zà-öø-ÿœ])")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# First and second parts of common French compounds: "sous-\npréfet", "peut-\nêtre", "eux-\nmêmes".
# Measured on the seed corpus cut at its French hyphenation points: parts that also begin or end
# plain words ("ex-pertise", "mi-nistre", "main-tenant", "beau-coup", "va-leur") are left out.
_COMPOUND_FIRST = frozenset(
    "sous vice demi semi non quasi après avant arrière arc peut porte garde chef grand grande "
    "petit petite haut basse belle nord sud ouest franco lieu rond centre centres sapeur sapeurs rez".split()
)
# Inside a compound, these link its words: « rez-de-\nchaussée », « Saint-Ours-les-\nRoches ».
_COMPOUND_LINKS = frozenset("de du des la le les en sur sous lès".split())
_COMPOUND_SECOND = frozenset(
    "même mêmes ci là dire être il ils elle elles on t vous nous je tu moi toi lui y ce vis".split()
)
_CHAIN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*-$")  # the hyphenated start of a token: "c'est-à-" -> "est-à-"
_DOT_LEADERS = re.compile(r"(?<!\s)(?:\s*[.…·]){4,}")  # starts where spaces start: linear time
_TABLE_RULE = re.compile(r"^[\s\-|:=_]{3,}$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MULTI_SPACE = re.compile(r" {2,}")
_BLANK_RUNS = re.compile(r"\n{3,}")
# A page number once its digits are masked: "#", "Page #", "p. #", "- # -", "# / #", "page # sur #".
_PAGE_NUMBER = re.compile(r"(?:page|p\.)?[\s\-–—]*#(?:\s*(?:/|sur|of)\s*#)?[\s\-–—]*")
# A running line that holds the page number beside a text, set apart by a dash or a bar
# (« montbrison.fr — # — », « # | Rapport d'activité »), digits masked.
_TEXT_AND_PAGE_NUMBER = re.compile(
    r"[^#]*[^#\s|·•\-–—]\s*[|·•\-–—]+\s*(?:page |p\. )?[\-–—]*\s*#\s*[\-–—]*"
    r"|[\-–—]*\s*(?:page |p\. )?#\s*[\-–—]*\s*[|·•\-–—]+\s*[^#]*[^#\s]"
)
_FINAL_PUNCTUATION = re.compile(r"[.!?:;…»)\]]$")
_LIST_MARKS = "-•▪●◦*–·▶▷►"
_CLOSING = ",;:)]»"  # a line opening on these goes on the one before
_MIN_WRAPPED_WORDS = 6
# Words a sentence or a title does not end on: articles, prepositions, conjunctions, determiners
# (and the elided "l'", "d'", "qu'"). A printed line that ends on one goes on in the next.
_OPEN_WORDS = frozenset(
    "à au aux de du des d la le les l un une et ou ni en par pour sur sous dans avec sans entre vers "
    "chez que qu qui dont ne son sa ses leur leurs ce cet cette ces notre nos votre vos mon ma mes".split()
)


def words_of(text: str) -> frozenset[str]:
    """The lower-case words of `text`, hyphenated ones whole: the evidence `join_line_end_hyphens` uses."""
    return frozenset(w.lower() for w in _WORDS.findall(unicodedata.normalize("NFC", text)))


def join_line_end_hyphens(text: str, words: frozenset[str] | None = None) -> str:
    """Words cut by a hyphen at a line end made whole: "dépar-\ntement" -> "département", while a
    compound keeps its hyphen: "sous-\npréfet", "c'est-à-\ndire", "Aix-en-\nProvence".

    A lower-case cut keeps its hyphen when the document writes the token so elsewhere (`words`, else
    the words of `text`), or, unless the document writes it whole, when its second part is a common
    compound ending (_COMPOUND_SECOND: "c'est-à-dire", "a-t-il") or, for a token not hyphenated
    already, its first part a common compound start (_COMPOUND_FIRST: "sous-préfet", "centre-ville"),
    or, inside a hyphenated token, a linking word (_COMPOUND_LINKS: "rez-de-chaussée"); otherwise it
    is one word cut in two (justified text cuts words more often than compounds end lines)."""
    known = words

    def join(match: re.Match[str]) -> str:
        nonlocal known
        if known is None:  # gathered only for a text that has a cut
            known = words_of(match.string)
        left, right = match.group(1), match.group(2)
        before = match.string[max(0, match.start() - _LOOK_BACK) : match.start()]
        chain = _CHAIN.search(before)
        head = chain.group(0).lower() if chain else ""  # "vice-pré-\nsident": "vice-" before "pré"
        compound, whole = f"{head}{left}-{right}".lower(), f"{head}{left}{right}".lower()
        if compound in known:
            return f"{left}-{right}"
        if whole in known:
            return f"{left}{right}"
        if (
            right.lower() in _COMPOUND_SECOND
            or (not head and left.lower() in _COMPOUND_FIRST)
            or (head and left.lower() in _COMPOUND_LINKS)
        ):
            return f"{left}-{right}"  # inside a compound already, a cut is a word's: "sapeurs-pom-\npiers"
        return f"{left}{right}"

    text = _LINE_END_HYPHEN.sub(join, text)
    return _LINE_END_COMPOUND.sub(r"\1-\2", text)


def normalize_text(text: str, words: frozenset[str] | None = None) -> str:
    """Return `text` with French typography, hyphenation and layout noise normalised; `words`: the
    document's words when `text` is a part of it (a page), for `join_line_end_hyphens`."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = text.translate(_APOSTROPHES)
    text = _SPACES.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = join_line_end_hyphens(text, words)  # after NFC and the control characters, like `words`
    text = _DOT_LEADERS.sub(" ", text)
    text = _TABLE_RULE.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def goes_on(line: str, next_line: str) -> bool:
    """Whether `next_line` goes on the sentence that the printed line `line` leaves open: `line` has
    no final punctuation, and `next_line` starts in lower case or with punctuation that closes a
    clause, or `line` ends on a word no sentence or title ends on (« de », « la », « pour »…), or a
    long line ending on a lower-case word is followed by a figure (« a instruit » / « 412 demandes »).
    Never for a table row or a list item."""
    line, next_line = line.rstrip(), next_line.lstrip()
    if not line or not next_line or _FINAL_PUNCTUATION.search(line) or next_line[0] in _LIST_MARKS:
        return False
    if " | " in line or " | " in next_line:
        return False
    words = line.split()
    last = words[-1].lower().rstrip("'").split("'")[-1]  # "de l'" -> "l", "d'une" -> "une"
    if next_line[0].islower() or next_line[0] in _CLOSING or last in _OPEN_WORDS:
        return True
    # A title above a figure (« Chiffres clés » / « 2 500 repas ») is short; a wrapped sentence is not.
    return next_line[0].isdigit() and len(words) >= _MIN_WRAPPED_WORDS and words[-1].isalpha() and words[-1].islower()


def unwrap_lines(text: str, across_blank_lines: bool = False) -> str:
    """`text` with the line breaks inside a sentence (`goes_on`) replaced by a space (by nothing after
    an elided « l' »): where a printed page or a scan wrapped its lines says nothing, and sentences
    are cut at line breaks. With `across_blank_lines`, a single blank line inside a sentence goes
    too: OCR sets the short last line of a paragraph apart (« …la tarification sociale » / blank /
    « soutenue par l'État. »)."""
    lines = text.split("\n")
    out = [lines[0]]
    i = 1
    while i < len(lines):
        line, last = lines[i], out[-1]
        if (
            across_blank_lines
            and not line.strip()
            and i + 1 < len(lines)
            and last.strip()
            and goes_on(last, lines[i + 1])
        ):
            line, i = lines[i + 1], i + 1
        if goes_on(last, line):
            out[-1] = last + ("" if last.endswith("'") else " ") + line
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def remove_repeated_page_lines(pages: list[str], min_pages: int = 3, edge_lines: int = 2) -> list[str]:
    """Drop header/footer lines that repeat at the top or bottom of most pages.

    A line counts when, once digits are masked (page numbers), it appears within the first or last
    `edge_lines` non-blank lines of at least half of the pages and of `min_pages` pages or more. A
    document shorter than that (two pages) has too few pages to tell a running line from a heading
    by count alone: there, the line must sit at the same edge (top or bottom) of every page, and be
    the same line, digits included, unless it is a page number, alone or set beside a text by a dash
    or a bar (« montbrison.fr — 1 — »); « Délibération n° 41 » and « n° 42 » opening two pages are two
    headings.
    """
    if len(pages) < 2:
        return pages
    short = len(pages) < min_pages

    def key(line: str) -> str:
        line = line.strip().lower()
        masked = re.sub(r"\d+", "#", line)
        numbered = _PAGE_NUMBER.fullmatch(masked) or _TEXT_AND_PAGE_NUMBER.fullmatch(masked)
        return line if short and not numbered else masked

    def edges(lines: list[str]) -> dict[int, str]:
        """Index of each edge line among `lines` -> its edge ("top", "bottom"; "" when edges are not told apart)."""
        non_blank = [i for i, ln in enumerate(lines) if ln.strip()]
        out = {i: "bottom" if short else "" for i in non_blank[-edge_lines:]}
        out.update({i: "top" if short else "" for i in non_blank[:edge_lines]})
        return out

    split = [page.split("\n") for page in pages]
    counts = Counter(k for lines in split for k in {(edge, key(lines[i])) for i, edge in edges(lines).items()})
    threshold = max(min(min_pages, len(pages)), (len(pages) + 1) // 2)
    repeated = {k for k, n in counts.items() if n >= threshold and k[1]}
    if not repeated:
        return pages
    cleaned = []
    for page, lines in zip(pages, split, strict=True):
        drop = {i for i, edge in edges(lines).items() if (edge, key(lines[i])) in repeated}
        cleaned.append("\n".join(ln for i, ln in enumerate(lines) if i not in drop) if drop else page)
    return cleaned
