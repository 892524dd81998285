"""Rapporteur service: the search core and the HTTP API over an index bundle."""
