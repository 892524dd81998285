from indexer.acronyms import extract_acronyms
from indexer.sentences import sentence_spans


def test_sentence_spans_are_offsets_and_merge_fragments():
    text = "Le RSA est versé à 35 000 foyers. M. Dupont préside. Chiffres\n12 agents\nLa crèche ouvre en mai 2024."
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces[0] == "Le RSA est versé à 35 000 foyers. M. Dupont préside."
    assert all(p == p.strip() for p in pieces)
    assert "Chiffres\n12 agents" in pieces[1]


def test_acronyms_found_both_ways():
    texts = [
        "Le Service départemental d'incendie et de secours (SDIS) intervient. L'APA (allocation personnalisée "
        "d'autonomie) est versée.",
        "La Maison départementale des personnes handicapées (MDPH) accueille le public.",
    ]
    found = extract_acronyms(texts)
    assert found["SDIS"] == "Service départemental d'incendie et de secours"
    assert found["APA"] == "allocation personnalisée d'autonomie"
    assert found["MDPH"] == "Maison départementale des personnes handicapées"


def test_acronym_without_matching_initials_is_ignored():
    assert extract_acronyms(["Une réunion importante (XYZ) a eu lieu."]) == {}


def test_a_title_line_set_apart_is_not_glued_to_the_next_sentence():
    text = (
        "Chiffres-clés\n\n274 logements rénovés dont 48 logements vacants.\n\n* Les réalisations 2021\n\n"
        "Le Centre Municipal de Santé a recruté deux médecins.\n\n40 agents\n\n500 appels par jour.\n\n"
        "Le standard répond du lundi au vendredi, de 8 h 30 à 17 h 30."
    )
    pieces = [text[s:e] for s, e in sentence_spans(text)]
    assert pieces[0] == "274 logements rénovés dont 48 logements vacants."
    assert pieces[1] == "Le Centre Municipal de Santé a recruté deux médecins."
    assert pieces[2].startswith("40 agents\n\n500 appels par jour.")  # figure lines are kept together
