from rapporteur.text.analyzer import analyze, fold, tokens


def test_elisions_are_removed():
    assert analyze("l'action d'urgence qu'il jusqu'au") == analyze("action urgence il au")


def test_accent_folding_makes_unaccented_queries_match():
    assert analyze("sécurité") == analyze("securite")
    assert analyze("événement") == analyze("evenement") == analyze("évènement")
    assert fold("Œuvre Élève") == "oeuvre eleve"


def test_plurals_and_feminines_share_a_stem():
    assert analyze("personnes âgées") == analyze("personne âgée")
    assert analyze("collèges") == analyze("collège")
    assert analyze("départementaux") == analyze("départemental")


def test_stop_words_removed_and_case_folded():
    assert analyze("Le Département ET les Communes") == analyze("département communes")


def test_offsets_point_at_source_words():
    text = "Aide à l'Autonomie"
    assert [text[t.start : t.end] for t in tokens(text)] == ["Aide", "Autonomie"]


def test_numbers_are_kept():
    assert "3001" in analyze("appelez le 3001")
