"""What a caller says that is not what they need, and inputs that are not a question at all.

`CHATTER` are the words of the phone line and of politeness («bonjour», «je voudrais savoir»): the
lexical query drops them. `is_not_a_question` recognises inputs made only of such words and of
what is typed by mistake: test input («test», «azerty», keyboard mash), punctuation or emoji, and
personal data (a name, a phone number, an e-mail address). It works on the kind of each word,
not on a list of sentences: « Allô, bonjour madame, vous m'entendez ? », « Josiane Carrel 06 39 98
42 17 » and « merci, bonne journée » are all recognised the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapporteur.parameters import CHATTER as CHATTER_PARAMS
from rapporteur.text.analyzer import ENGLISH_STOP_WORDS, STOP_WORDS, fold

# Words a caller uses to talk, not to say what they need; dropped from the lexical query only.
CHATTER = frozenset(
    fold(w)
    for w in (
        "bonjour bonsoir salut merci svp stp madame monsieur voudrais voudrait veux aimerais aimerait savoir dire "
        "demander appelle appeler appelais question renseignement renseignements possible habite habitons habitent "
        "vis vivons trouve quelqu chose truc trucs peux pouvez pourriez pourrais ya faut fallait est-ce faire fais "
        "bien alors voila oui non ok dois doit sais sait combien comment"
    ).split()
)

# Words of greetings, thanks, goodbyes and phone-line talk: an input made only of these (and of
# function words) asks nothing.
SMALL_TALK = CHATTER | frozenset(
    fold(w)
    for w in (
        "allo allô coucou hello hi hey bonne bon journée soirée soir matinée après-midi week-end revoir bientôt "
        "demain tard remercie remercions remerciements beaucoup infiniment mille okay ouais oui daccord accord "
        "parfait super génial entendu noté compris excusez excuse pardon désolé désolée plaît plait mademoiselle "
        "messieurs dames entendez entends entend écoute écoutez quittez patientez patienter attendez attends "
        "instant moment minute seconde passe passer transfère transférer rappelle rappeler rappellerai raccroche "
        "allez va vais ça cela qui là voilà bah ben euh hum hein heu bref enfin d'abord voilà c'est tout "
        "thanks thank bye goodbye morning evening please sorry yes no"
    ).split()
)

# Test input and placeholders typed to try the box.
_TEST_WORDS = frozenset(
    "test tests testing tester testons essai essais essayer lorem ipsum dolor sit amet foo bar baz toto titi tata "
    "blabla bla azerty qwerty asdf xxx xyz abc".split()
)
_KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS = frozenset("aeiouy")
# An interrogative word: « En combien de matchs ? » asks something, however few its words.
_INTERROGATIVE = re.compile(
    r"(?:^|[^\w'-])(?:combien|quand|comment|pourquoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels|"
    r"lesquelles|quoi|où|how|when|where|why|which|what)(?![\w'-])",
    re.IGNORECASE,
)

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Personal data typed by mistake: phone numbers (French and international), e-mail addresses.
_PHONE = re.compile(r"(?:\+|00)\d{2}[\s.-]?\d(?:[\s.-]?\d\d){4}\b|\b0\d(?:[\s.-]?\d\d){4}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Thanks that name what they thank for: « merci pour votre aide » asks for no aid.
_THANKS = re.compile(
    r"\b(?:merci|remercie|remercions|thanks?)\b[^,.;!?]{0,30}?\b(?:aide|temps|r[ée]ponses?|patience|accueil|"
    r"renseignements?|gentillesse|informations?|help)\b",
    re.IGNORECASE,
)


def personal_data_spans(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers and e-mail addresses in `text`."""
    return sorted(m.span() for pattern in (_PHONE, _EMAIL) for m in pattern.finditer(text))


def redact_personal_data(text: str) -> str:
    """`text` with its phone numbers and e-mail addresses replaced by « [masqué] » (for logs)."""
    for start, end in reversed(personal_data_spans(text)):
        text = f"{text[:start]}[masqué]{text[end:]}"
    return text


def _is_gibberish(folded: str, by_letters: bool = True) -> bool:
    """Test input, keyboard mash, one letter repeated, or (when `by_letters`) a run of letters with
    hardly a vowel."""
    if folded in _TEST_WORDS:
        return True
    letters = "".join(c for c in folded if c.isalpha())
    if len(letters) >= 3 and len(set(letters)) == 1:
        return True
    if len(folded) >= 4 and any(folded in row or folded[:5] in row for row in _KEYBOARD_ROWS):
        return True
    if by_letters and len(letters) >= 5:
        vowels = sum(c in _VOWELS for c in letters)
        consonants = re.search(rf"[^aeiouy\W\d]{{{CHATTER_PARAMS.max_consonant_run + 1},}}", letters)
        if vowels / len(letters) < CHATTER_PARAMS.min_vowel_share or consonants:
            return True
    return False


def is_not_a_question(text: str, is_known: Callable[[str], bool], names_place: bool = False) -> bool:
    """True when `text` holds no word that says what the caller needs.

    A word says something unless it is small talk, a function word, a number, test input or
    gibberish, or a name: a capitalised word the corpus does not know, or any unknown word next
    to a phone number or e-mail address. `is_known(folded_word)` tells whether the corpus or the
    lexicon knows a word; `names_place` is True when the text names a place (a search in itself).
    In an interrogative (« combien », « quand »…) a word is not taken for keyboard mash by its
    letters alone: « En combien de matchs ? » is a short question, not « matchs » typed at random.
    """
    if names_place:
        return False
    personal = personal_data_spans(text)
    stripped = text
    for start, end in reversed(personal):
        stripped = stripped[:start] + " " + stripped[end:]
    stripped = _THANKS.sub(" ", stripped)
    by_letters = not _INTERROGATIVE.search(stripped)
    for match in _WORD.finditer(stripped):
        word = match.group()
        for part in re.split(r"['’-]", word):
            folded = fold(part)
            if not folded or folded.isdigit() or len(folded) == 1:
                continue
            if folded in SMALL_TALK or folded in STOP_WORDS or folded in ENGLISH_STOP_WORDS:
                continue
            if _is_gibberish(folded, by_letters) or _is_gibberish(fold(re.sub(r"\d+", "", part)) or "x", by_letters):
                continue
            known = is_known(folded)
            if not known and (personal or part[:1].isupper()):
                continue  # a name typed with a phone number or an address, or a capitalised unknown word
            return False
    return True
