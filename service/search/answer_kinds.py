"""The kind of answer a question asks for, and whether a sentence gives one.

« Combien ça coûte » asks for an amount, « quel numéro » for a phone number, « quand » for a date,
« quels horaires » for opening times, « où » for a place, « comment faire » for a procedure. A
sentence that lacks the kind of answer asked for does not answer, however close its words are.
Patterns match folded text (lower case, no accents), except where the accent carries the meaning
(« où » against « ou »).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapporteur.text.analyzer import fold

_MONTHS = r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_NUMBER_WORDS = (
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|"
    r"trente|quarante|cinquante|soixante|cent|cents|mille|millions?|milliards?|dizaines?|vingtaine|trentaine|"
    r"quarantaine|cinquantaine|soixantaine|centaines?|milliers?|majorite|moitie"
)
# A figure that is not only a year: « 274 logements », « 1 909 postes », « 65 % », « une soixantaine ».
_COUNT = re.compile(rf"\b(?!(?:19|20)\d\d\b)\d[\d  .,]*\b|\b\d+ ?%|\b(?:{_NUMBER_WORDS})\b(?! (?:fois|jour|part)\b)")
_MONEY = re.compile(r"€|\beuros?\b|\beur\b|\bgratuit|\bfree\b|\bm€|\bk€")
# What makes a figure an amount of money: « 704 623 € », « 1,2 million d'euros », « 8 M€ ».
_MONEY_UNIT = re.compile(r"\s*(?:(?:millions?|milliards?|mds?|m|k)\b\s*)?(?:d'|de\s+)?(?:€|euros?\b|eur\b|m€|k€)")
# « combien de logements », « le nombre d'enfants »: a count of things, which an amount of money does not give.
_COUNT_OF_THINGS = re.compile(
    r"\b(?:combien|nombre)\s+d(?:e\s+|')(?:la\s+|les\s+|l')?(?!(?:argent|euros?|sous|budget|credits?|subventions?|"
    r"frais|depenses?|recettes?|financements?|investissements?|aides?)\b)[a-z]"
)
# A short number after the words that introduce one (« au 30 01 », « composez le 3919 », « Tél. 115 »),
# unless it is a day, an ordinal or a quantity (« au 31 décembre », « jusqu'au 21^e siècle »).
_PHONE = re.compile(
    r"(?:\+33|\b0)\s?[1-9](?:[ .-]?\d\d){4}\b|\b0 ?8\d\d[ .]?\d{3}[ .]?\d{3}\b"
    r"|\b(?:numero|tel|telephone|composer|composez|appelez|appeler|au)\b\.?\s?:?\s?(?:le )?"
    r"(?:\d\d \d\d|\d{3,4}|[1-9]\d)\b(?![ .,/]?\d)(?!\^?(?:e|er|eme|ieme)\b)(?! ?(?:%|€))"
    rf"(?! (?:{_MONTHS}|rue|avenue|boulevard|place|chemin|route|ans?|mois|jours?|heures?|h|km|m|euros?|"
    r"personnes?|habitants?|agents?|places?|logements?|enfants?|dossiers?)\b)"
)
_DATE = re.compile(
    rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\b(?:lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche)\b|\bchaque (?:annee|mois|semaine)\b"
)
_HOURS = re.compile(
    r"\b\d{1,2} ?h(?: ?\d\d)?\b|\b\d{1,2}:\d\d\b|\bheures? d'ouverture\b|\b24 ?h ?/ ?24\b|\b7 ?j ?/ ?7\b"
    r"|\b(?:du|le|les|tous les|chaque) (?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?\b"
)
# « majeur » gives an age as a noun (« être majeur », « les jeunes majeurs »), not as « un choix majeur ».
_AGE = re.compile(
    r"\b\d{1,3} ans\b|\bans et plus\b|\bmoins de \d+ ans\b|\bmineurs?\b|\bage de\b"
    r"|\b(?:etre|etant|devenir|devenus?|jeunes?|les|des|personnes?) majeure?s?\b"
)
_DURATION = re.compile(
    r"\b\d+(?:[.,]\d+)? ?(?:jours?|semaines?|mois|ans|annees?|heures?|h|minutes?|min)\b"
    rf"|\b(?:{_NUMBER_WORDS}) (?:jours?|semaines?|mois|ans|annees?|heures?)\b|\bperiode maximale\b|\bduree\b"
)
# A place is given by an address, a postcode, « situé à… », or a place noun (« une unité
# d'hébergement d'urgence », « le service Stationnement »); « place » alone is not one (« mis en place »),
# nor is the place noun the question asks about (« où se trouve le centre… » / « le centre emploie… »).
_PLACE = re.compile(
    r"\b\d{1,4}(?: ?bis| ?ter)?,? (?:rue|avenue|boulevard|bd|place|quai|chemin|allee|route|impasse|cours)\b"
    r"|\b(?:rue|avenue|boulevard|quai|chemin|allee|route|impasse|cours)\b|\b\d{5}\b|\badresse\b"
    r"|\b(?:situee?s?|se (?:trouve|situe)n?t?|installee?s?|implantee?s?|localisee?s?|domiciliee?s?) "
    r"(?:a|au|aux|dans|sur|pres|en)\b"
)
_PLACE_NOUN = re.compile(
    r"\b(maison|centre|espace|hotel|mairie|antenne|agence|bureau|guichet|site|locaux|local|lieu|lieux|"
    r"batiment|siege|accueil|point|structure|unite|foyer|residence|etablissement|service|permanence|"
    r"hebergement|equipement|salle|musee|mediatheque|bibliotheque|piscine|college|ecole|parc|port)s?\b"
)
# Named places, on the text as written: « à Bourg-en-Bresse », « place du Général-de-Gaulle ».
_PLACE_NAMED = re.compile(
    r"(?<!jusqu')(?<!jusqu’)\b(?:à|au|aux|dans|sur|près de|située?s?) (?:la |le |l'|l’|les )?[A-ZÀ-Ý]"
    r"|\b[Pp]lace (?:du |de la |des |de l'|de l’)?[A-ZÀ-Ý]"
)
_PROCEDURE = re.compile(
    r"\b(?:il faut|doi(?:t|vent)|peu(?:t|vent)|permet(?:tent)?|s'adresser|adresse[rz]?|contacte[rz]?|aupres|"
    r"demandes?|dossiers?|formulaires?|en ligne|inscri\w*|se rendre|rendez-vous|deposer|depot|saisi\w*|"
    r"sollicit\w*|candidat\w*|pieces? justificatives?|justificatifs?|guichet|accompagn\w*|orient\w*|"
    r"propose\w*|beneficier|acceder|acces|numero|telephone|appeler|site internet|plateforme)\b"
)
_DEADLINE = re.compile(
    rf"\b(?:jusqu'? ?(?:au|a|en)|avant (?:le|la|fin)|au plus tard|date limite|d'ici (?:le|la|fin)|des (?:le|la)|"
    rf"a partir du|a compter du)\b[^.;]{{0,30}}(?:\d|{_MONTHS}|rentree|ete|printemps|automne|hiver)"
)
_MAXIMUM = re.compile(
    r"\b(?:jusqu'? ?a \d|maximum|maximale?|plafon\w*|au plus|dans la limite|au maximum|ne peut exceder|limitee? a)"
)
# A title and a name, or a first name and an upper-case surname (« Jean DUPONT »), not « Le CCAS ».
_PERSON = re.compile(
    r"\b(?:M\.|Mme|Mmes|MM\.|Dr|Pr|Madame|Monsieur)\s+[A-ZÀ-Ý]"
    r"|\b(?!(?:La|Le|Les|Du|Des|De|Au|Aux|Un|Une|En|Et|Par|Pour|Sur|Dans|Avec|Chez|Son|Sa|Ses|Leur|Cette|Ce)\b)"
    r"[A-ZÀ-Ý][a-zà-ÿ]+ [A-ZÀ-Ý]{2,}\b"
)
_REASON = re.compile(
    r"\b(?:car|parce|en raison|du fait|suite a|a cause|afin|pour (?:permettre|eviter|garantir|limiter|repondre)|"
    r"risques?|objectifs?|vise|visant|but|necessit\w*|cause|consequence|explique|lie|liee)\b"
)


@dataclass(frozen=True)
class AnswerKind:
    """One kind of answer: how a question asks for it, and what a sentence that gives it holds."""

    name: str
    asks: re.Pattern[str]
    gives: re.Pattern[str]
    folded_sentence: bool = True  # match `gives` on folded text (False: on the text as written)
    gives_as_written: re.Pattern[str] | None = None  # a second test on the text as written
    # A match of `gives` followed by this (a unit) does not give the kind.
    unless_followed_by: re.Pattern[str] | None = None


# Order matters: « combien ça coûte » is an amount before it is a count, « à quelle heure » hours
# before a date.
KINDS: tuple[AnswerKind, ...] = (
    AnswerKind(
        "maximum",
        re.compile(
            r"\b(?:montant (?:maximum|maximal|max)|au maximum|maximum|plafond|jusqu'? ?a combien|how much at most)\b"
        ),
        _MAXIMUM,
    ),
    AnswerKind(
        "amount",
        re.compile(
            r"\b(?:combien (?:ca |cela |ils? |elles? )?(?:cout|coute|coutent|coutera|paye|payer|touch|rembours|"
            r"verse|rapport|faut payer|d'argent|d'euros|de sous)|combien (?:je |on |il |elle |vous )?(?:touch|recev|"
            r"pai|peu\w* toucher|peu\w* avoir|aur)|quel (?:est le )?(?:montant|prix|tarif|cout|budget)|quelle somme|"
            r"quels? (?:sont les )?(?:tarifs?|prix|montants?|salaires?)|quel est (?:le|son) salaire|combien gagne|"
            r"how much|price|fee|what does it cost|cost|cout\w* combien|c'est combien|payer combien|paie combien|"
            r"combien (?:je |on |il |elle |vous |nous )?(?:dois|doit|devrai\w*|vais|va|faut|allons)\w*(?: me| nous)? "
            r"payer)"
        ),
        _MONEY,
    ),
    AnswerKind(
        "phone",
        re.compile(
            r"\b(?:(?:quel|le|un|son|leur|votre|du) (?:numero|telephone|tel)\b|numero (?:de telephone|de tel|a "
            r"appeler|pour|unique|vert|d'appel)|numero\b(?! (?:de (?:securite|dossier|allocataire|siret|fiscal|"
            r"client|rue))|\d)|(?:quel|le|un) n°|n° (?:de )?tel\w*|appeler (?:quel|qui)|phone number|telephone number)"
        ),
        _PHONE,
    ),
    AnswerKind(
        "hours",
        re.compile(
            r"\b(?:horaires?|heures? d'ouverture|a quelle heure|quelles heures|"
            r"ouvert(?:e|s)? (?:quand|le|les|a quelle)|quand (?:est-ce que )?(?:c'est |ca )?ouv\w*|jours? d'ouverture|"
            r"opening (?:hours|times)|what time)\b"
        ),
        _HOURS,
    ),
    AnswerKind(
        "age",
        re.compile(r"\b(?:quel age|a partir de quel age|jusqu'a quel age|age (?:minimum|limite)|how old)\b"),
        _AGE,
    ),
    AnswerKind(
        "duration",
        re.compile(
            r"\b(?:combien de temps|quel (?:est le )?delai|quels (?:sont les )?delais|quelle (?:est la )?duree|"
            r"pendant combien|how long)\b"
        ),
        _DURATION,
    ),
    AnswerKind(
        "deadline",
        re.compile(
            r"\b(?:jusqu'? ?a quand|jusqu'? ?a quelle date|date limite|avant quelle date|deadline|until when)\b"
        ),
        _DEADLINE,
    ),
    AnswerKind(
        "date",
        re.compile(
            r"\b(?:quand\b|quelle (?:est la )?date|a quelle date|depuis quand|en quelle annee|quelle annee|"
            r"when\b|what date|what year|which year)"
        ),
        _DATE,
    ),
    AnswerKind("count", _COUNT_OF_THINGS, _COUNT, unless_followed_by=_MONEY_UNIT),
    AnswerKind("count", re.compile(r"\b(?:combien|nombre de|quel nombre|how many|number of)\b"), _COUNT),
    AnswerKind(
        "person",
        # « qui est concerné », « qui sont les bénéficiaires » ask who is eligible, not for a person.
        re.compile(
            r"\b(?:qui (?:est|sont)(?! (?:concernee?s?|eligibles?|(?:les )?beneficiaires?|prioritaires?|visee?s?)\b)|"
            r"qui dirige|qui preside|who is|who are)\b"
        ),
        _PERSON,
        False,
    ),
    AnswerKind("reason", re.compile(r"\b(?:pourquoi|pour quelle raison|why)\b"), _REASON),
)
_BY_NAME = {kind.name: kind for kind in reversed(KINDS)}  # a name's first kind (the stricter count)

# « où » is a place question only with its accent, or in phrasings where « ou » cannot mean « or ».
_WHERE = re.compile(
    r"(?:^|[\s,;(])où\b|\b(?:c'est ou|ou (?:se trouve|se situe|aller|s'adresser|trouver|est|sont|peut-on|puis-je|"
    r"je peux|on peut|faut-il|il faut|dois-je|deposer|ca se passe)|par ou|quel endroit|quel lieu|"
    r"quelle (?:est (?:l'|l’))?adresse|"
    r"(?:un|quelque) (?:endroit|lieu)|where)\b",
    re.IGNORECASE,
)
# « comment » asks for a procedure when the asker is the one who acts: « comment faire », « comment
# je peux », « comment obtenir » — not « comment le Département a-t-il aidé ».
_HOW_TO = re.compile(
    r"\b(?:comment (?:est-ce qu'on |est-ce que je |est-ce que l'on |on |je |j'|nous |puis-je |peut-on |dois-je |"
    r"faut-il |il faut |faire|obtenir|avoir|demander|s'inscrire|inscrire|beneficier|contacter|joindre|proceder|"
    r"acceder|deposer|signaler|se passe|ca (?:se passe|marche|fonctionne))|quelles? (?:sont les )?demarches?|"
    r"que (?:dois-je|faut-il|faire)|qu'est-ce (?:que je dois|qu'il faut) faire|how (?:do|can|to)\b)"
)
PLACE = AnswerKind("place", _WHERE, _PLACE, gives_as_written=_PLACE_NAMED)
PROCEDURE = AnswerKind("procedure", _HOW_TO, _PROCEDURE)


def _folded(text: str) -> str:
    return fold(text).replace("’", "'")


# « que faire quand… », « qui appeler quand… »: there « quand » joins a circumstance to another
# question; it asks for a date only with words that do (« depuis quand », « quelle date »).
_WHEN_CLAUSE = re.compile(
    r"\b(?:que faire|quoi faire|faire quoi|fais quoi|comment faire|que dois-je faire|que faut-il faire|"
    r"qu'est-ce (?:que je dois|qu'il faut) faire|qui (?:appeler|contacter|prevenir)|"
    r"a qui (?:m'adresser|s'adresser|dois-je|faut-il)|ou (?:aller|s'adresser|appeler))\b.*\bquand\b"
)
_ASKS_DATE = re.compile(
    r"\b(?:c'est quand|depuis quand|quelle (?:est la )?date|a quelle date|en quelle annee|quelle annee|"
    r"when|what date|what year|which year)\b"
)


def _where(question: str) -> re.Match[str] | None:
    return _WHERE.search(question.replace("’", "'"))


def expected_kind(question: str) -> AnswerKind | None:
    """The kind of answer `question` asks for, or None when any statement may answer it."""
    folded = _folded(question)
    for kind in KINDS:
        if kind.asks.search(folded):
            if kind.name == "date" and _WHEN_CLAUSE.search(folded) and not _ASKS_DATE.search(folded):
                continue
            return kind
    if _where(question):
        return PLACE
    if _HOW_TO.search(folded):
        return PROCEDURE
    return None


def asking_words(kind: AnswerKind | None, question: str) -> str:
    """The words of `question` that ask for `kind` (« quel numéro », « horaires », « combien de »):
    they say what kind of answer is wanted, not what it is about, so an answer need not repeat them."""
    if kind is None:
        return ""
    text = question.replace("’", "'") if kind is PLACE else _folded(question)
    covered = [False] * len(text)
    for m in _overlapping(kind.asks).finditer(text):  # « le numéro » and « numéro de téléphone » both
        start, end = m.span(1)
        if end < len(text) and text[end].isalnum():  # the match stops inside a word: not that word
            end = start + len(re.sub(r"\w+$", "", m.group(1)))
        covered[start:end] = [True] * (end - start)
    return "".join(c if keep else " " for c, keep in zip(text, covered, strict=True))


@functools.cache
def _overlapping(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` matched at every position, overlaps included."""
    return re.compile(f"(?=({pattern.pattern}))", pattern.flags)


def kind_named(name: str) -> AnswerKind:
    """The kind called `name` (KeyError otherwise)."""
    return PLACE if name == "place" else PROCEDURE if name == "procedure" else _BY_NAME[name]


def gives(kind: AnswerKind, sentence: str, question: str = "") -> bool:
    """True when `sentence` holds an answer of `kind` to `question`."""
    text = _folded(sentence) if kind.folded_sentence else sentence
    unit = kind.unless_followed_by
    if any(unit is None or not unit.match(text, m.end()) for m in kind.gives.finditer(text)):
        return True
    if kind is PLACE:
        asked = _singular_words(question)
        if any(m.group(1) not in asked for m in _PLACE_NOUN.finditer(text)):
            return True
    return bool(kind.gives_as_written and kind.gives_as_written.search(sentence))


@functools.lru_cache(maxsize=256)
def _singular_words(question: str) -> frozenset[str]:
    """The folded words of `question` without a final « s »: read once per question, not per sentence."""
    return frozenset(w[:-1] if w.endswith("s") else w for w in re.findall(r"\w+", _folded(question)))
