"""The service: loads a bundle and answers over HTTP.

`search` is the search core (no HTTP); `settings` holds the service's settings; `serving` loads a
bundle into a `LoadedBundle` and swaps it on reload; `api` and `app` are the HTTP layer; `edge` runs
nginx in front; `static` is the page and the website widget. May import `rapporteur` and its own
modules; never `indexer` (the build pipeline) nor `evals`.
"""
