"""French text analysis shared by the build and the search: `analyzer` (word pattern, accent and case
folding, stop words, light stemming, the analyzer version written in every bundle) and `places`
(the gazetteer of communes, cantons and natural areas, with its data in `data/`).

May import third-party libraries only.
"""
