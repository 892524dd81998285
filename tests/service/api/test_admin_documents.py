"""The admin API adds and removes documents: checks, a build in a child process, the swap, and
every refusal as a 4xx in French that loses nothing."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from apitools import ADMIN_KEY, api_settings, running
from tiny_corpus import write_tiny_corpus

from indexer.build import build_index
from rapporteur.embedders.hashing import HashingEmbedder

AUTH = {"X-API-Key": ADMIN_KEY}
NEW_REPORT = (
    "# Rapport d'activité 2024 de la Ville de Testville\n\n## Piscine\n\n"
    "La piscine municipale de Testville a rouvert ses bassins le 3 juin 2024 après onze mois de travaux.\n"
)
JOB_WAIT_S = 120


@pytest.fixture
def admin_site(tmp_path: Path):
    """A corpus, its index, and settings for an app that edits them (hashing embedder)."""
    corpus = write_tiny_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index, HashingEmbedder())

    def settings(**overrides: object):
        return api_settings(index, **{"corpus_dir": corpus, "embedder": "hashing", **overrides})

    return settings, corpus, index


def _files(corpus: Path) -> dict[str, bytes]:
    return {str(p.relative_to(corpus)): p.read_bytes() for p in sorted(corpus.rglob("*")) if p.is_file()}


def _wait(client, job_url: str) -> dict:
    deadline = time.monotonic() + JOB_WAIT_S
    while True:
        job = client.get(job_url, headers=AUTH).json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_upload_builds_and_swaps_then_delete_removes(admin_site) -> None:
    settings, corpus, _ = admin_site
    with running(settings()) as client:
        before = client.get("/readyz").json()["build_id"]
        sent = client.post(
            "/v1/admin/documents",
            params={"filename": "Rapport piscine 2024.md", "title": "Rapport 2024 de Testville", "year": 2024},
            content=NEW_REPORT.encode(),
            headers={**AUTH, "Content-Type": "application/octet-stream"},
        )
        assert sent.status_code == 202, sent.text
        job = sent.json()
        assert sent.headers["location"] == job["url"] and job["document_id"] == "rapport-piscine-2024"
        assert (corpus / "rapport-piscine-2024.md").read_text(encoding="utf-8") == NEW_REPORT
        assert 'title = "Rapport 2024 de Testville"' in (corpus / "manifest.toml").read_text(encoding="utf-8")
        done = _wait(client, job["url"])
        assert done["status"] == "succeeded", done
        assert done["build_id"] and done["build_id"] != before and done["total"] > 0
        assert client.get("/readyz").json()["build_id"] == done["build_id"]
        hits = client.get("/v1/search", params={"q": "piscine municipale rouvert bassins", "mode": "lexical"}).json()
        assert hits["results"][0]["citation"]["document_id"] == "rapport-piscine-2024"
        listed = client.get("/v1/admin/jobs", headers=AUTH).json()
        assert listed["jobs"][0]["id"] == job["id"] and listed["busy"] is False

        removed = client.delete("/v1/admin/documents/rapport-piscine-2024", headers=AUTH)
        assert removed.status_code == 202, removed.text
        assert _wait(client, removed.json()["url"])["status"] == "succeeded"
        assert not (corpus / "rapport-piscine-2024.md").exists()
        assert "rapport-piscine-2024" not in (corpus / "manifest.toml").read_text(encoding="utf-8")
        ids = {d["document_id"] for d in client.get("/v1/documents").json()["documents"]}
        assert "rapport-piscine-2024" not in ids and ids


def test_an_unlisted_upload_gets_inferred_metadata_and_says_so(admin_site) -> None:
    settings, _, _ = admin_site
    with running(settings()) as client:
        sent = client.post(
            "/v1/admin/documents", params={"filename": "note.md"}, content=NEW_REPORT.encode(), headers=AUTH
        )
        done = _wait(client, sent.json()["url"])
        assert done["status"] == "succeeded", done
        assert any("note.md" in warning for warning in done["warnings"])  # inferred: confirm in the manifest


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "body", "status", "says"),
    [
        ("gros.pdf", b"%PDF-1.7\n" + b"0" * 5000, 413, "trop volumineux"),
        ("rapport.pdf", b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 4, 415, "Type de fichier non pris en charge"),
        ("rapport.docx", None, 413, "bombe de décompression"),
        ("../../etc/passwd.md", NEW_REPORT.encode(), 400, "Nom de fichier refusé"),
        ("vide.md", b"", 422, "vide"),
        ("menu.html", b"<html><body><nav><a href='/'>Accueil</a></nav></body></html>", 422, "Aucun texte"),
        ("ville.md", NEW_REPORT.encode(), 409, "existe déjà"),
    ],
    ids=["too-large", "wrong-type", "bomb", "traversal", "empty", "no-text", "exists"],
)
def test_refused_uploads_lose_nothing(admin_site, name: str, body: bytes | None, status: int, says: str) -> None:
    settings, corpus, index = admin_site
    before = _files(corpus)
    with running(settings(max_upload_bytes=4096 if name == "gros.pdf" else 50 * 1024 * 1024)) as client:
        build = client.get("/readyz").json()["build_id"]
        answer = client.post(
            "/v1/admin/documents", params={"filename": name}, content=_bomb() if body is None else body, headers=AUTH
        )
        assert answer.status_code == status, answer.text
        assert says in answer.json()["detail"]
        assert client.get("/v1/admin/jobs", headers=AUTH).json()["jobs"] == []
        assert client.get("/readyz").json()["build_id"] == build
    assert _files(corpus) == before
    assert not list((index / ".uploads").glob("*")) if (index / ".uploads").exists() else True


def test_a_second_change_while_one_builds_is_refused_with_409(admin_site) -> None:
    settings, corpus, _ = admin_site
    with running(settings()) as client:
        first = client.post(
            "/v1/admin/documents", params={"filename": "a.md", "title": "A"}, content=NEW_REPORT.encode(), headers=AUTH
        )
        assert first.status_code == 202
        busy = client.post(
            "/v1/admin/documents", params={"filename": "b.md"}, content=NEW_REPORT.encode(), headers=AUTH
        )
        assert busy.status_code == 409 and "déjà en cours" in busy.json()["detail"]
        assert client.delete("/v1/admin/documents/ville-test-2023", headers=AUTH).status_code == 409
        assert client.get("/v1/search", params={"q": "piscine"}).status_code == 200  # search serves meanwhile
        assert _wait(client, first.json()["url"])["status"] == "succeeded"
    assert not (corpus / "b.md").exists()


def test_a_failed_build_leaves_the_bundle_in_service(admin_site) -> None:
    settings, _, _ = admin_site
    with running(settings(embedder="sentence-transformers:/no/such/model")) as client:
        build = client.get("/readyz").json()["build_id"]
        sent = client.post(
            "/v1/admin/documents", params={"filename": "c.md", "title": "C"}, content=NEW_REPORT.encode(), headers=AUTH
        )
        done = _wait(client, sent.json()["url"])
        assert done["status"] == "failed" and "l'index en service reste" in done["error"]
        assert client.get("/readyz").json()["build_id"] == build
        assert client.get("/v1/search", params={"q": "budget"}).status_code == 200


def test_hostile_values_get_a_4xx_and_leave_nothing(admin_site) -> None:
    settings, corpus, _ = admin_site
    before = _files(corpus)
    with running(settings()) as client:
        for params in ({"filename": "a\x00.md"}, {"filename": "a.md", "title": "Rapport\x7f"}):
            answer = client.post("/v1/admin/documents", params=params, content=NEW_REPORT.encode(), headers=AUTH)
            assert answer.status_code == 422 and "contrôle" in answer.json()["detail"], answer.text
        big = client.post("/v1/admin/documents", params={"filename": "a.md"}, content=b"x" * (200 * 1024))
        assert big.status_code == 401  # without the key: read, thrown away, refused (nothing kept)
        huge = client.post("/v1/admin/documents", params={"filename": "a.md"}, content=b"x" * (51 * 1024 * 1024))
        assert huge.status_code == 413
    assert _files(corpus) == before


def test_a_page_with_a_huge_title_builds_and_swaps(admin_site) -> None:
    """Inferred metadata is logged by the build: a very long title must not break the job that reads it."""
    settings, _, _ = admin_site
    page = f"<html><head><meta property='og:title' content='{'Rapport ' * 12000}'></head><body><main>"
    page += "<h1>Rapport</h1><p>La ludothèque municipale prête désormais des jeux aux familles le samedi.</p>"
    page += "</main></body></html>"
    with running(settings()) as client:
        sent = client.post("/v1/admin/documents", params={"filename": "page.html"}, content=page.encode(), headers=AUTH)
        assert sent.status_code == 202, sent.text
        done = _wait(client, sent.json()["url"])
        assert done["status"] == "succeeded", done
        assert client.get("/readyz").json()["build_id"] == done["build_id"]


def test_admin_routes_need_the_key(admin_site) -> None:
    settings, _, _ = admin_site
    with running(settings()) as client:
        assert client.post("/v1/admin/documents", params={"filename": "x.md"}, content=b"x").status_code == 401
        assert client.delete("/v1/admin/documents/ville-test-2023").status_code == 401
        assert client.get("/v1/admin/jobs").status_code == 401
        assert client.get("/v1/admin/jobs/0123456789abcdef", headers=AUTH).status_code == 404
        assert client.delete("/v1/admin/documents/inconnu", headers=AUTH).status_code == 404


def test_values_that_look_like_options_stay_values(admin_site) -> None:
    """A file name or a title starting with "--" reaches the indexer as a value, not as a flag."""
    settings, corpus, _ = admin_site
    with running(settings()) as client:
        sent = client.post(
            "/v1/admin/documents",
            params={"filename": "--force.md", "title": "--corpus=/tmp"},
            content=NEW_REPORT.encode(),
            headers=AUTH,
        )
        assert sent.status_code == 202, sent.text
        assert _wait(client, sent.json()["url"])["status"] == "succeeded"
        assert (corpus / "force.md").exists()
        assert 'title = "--corpus=/tmp"' in (corpus / "manifest.toml").read_text(encoding="utf-8")


def test_the_body_limit_and_the_route_agree_on_the_key(admin_site) -> None:
    """A bearer token with an empty X-API-Key: the route takes it, so the body limit must too."""
    settings, corpus, _ = admin_site
    long_report = NEW_REPORT + "\n".join(f"Ligne {i} du rapport sur les bassins." for i in range(3000))
    assert len(long_report) > 64 * 1024
    with running(settings()) as client:
        sent = client.post(
            "/v1/admin/documents",
            params={"filename": "long.md", "title": "Long"},
            content=long_report.encode(),
            headers={"X-API-Key": "", "Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert sent.status_code == 202, sent.text
        assert _wait(client, sent.json()["url"])["status"] == "succeeded"
    assert (corpus / "long.md").exists()
