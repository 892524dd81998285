"""The search core: a loaded bundle answers queries with ranked, cited passages and, for questions,
the sentence that answers or the reason there is none.

`engine` reads as the pipeline (plan → retrievers → fusion → boosts → cut → answer); `query`,
`spelling`, `synonyms` plan the query; `retrievers` and `fusion` score; `highlights` marks the
returned passages; `scope`, `chatter`, `answer`, `answer_kinds`, `display` and `calibration` decide
and phrase the answer; `documents` and `suggest` serve the document pages and the search box.
May import `rapporteur` and `service.search` only: no HTTP, no build pipeline.
"""
