"""Property-based tests over the OpenAPI schema (schemathesis): no 5xx, and answers match the schema.

Valid and invalid requests for every operation, a few examples each (derandomized) so that the
suite stays fast. Uses schemathesis' Hypothesis strategies directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app  # noqa: E402
from service.settings import ServiceSettings  # noqa: E402

MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# The schema does not depend on the index: list the operations at collection time. Invalid requests
# only exist for operations that take parameters or a body.
_PATHS = create_app(ServiceSettings(index_dir=Path("unused"))).openapi()["paths"]
OPERATIONS = [(path, method.upper()) for path, item in _PATHS.items() for method in item]
CASES = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE
    or _PATHS[path][method.lower()].get("parameters")
    or _PATHS[path][method.lower()].get("requestBody")
]


@pytest.fixture(scope="module")
def api_schema(tiny_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    settings_ = ServiceSettings(
        index_dir=tiny_index,
        corpus_dir=tmp_path_factory.mktemp("corpus"),  # the admin routes never touch the real one
        embedder="hashing",
        admin_api_key="schemathesis-key",
        rate_limit_per_minute=0,
        handle_sighup=False,
        load_in_background=False,  # schemathesis starts the lifespan, then calls at once
        request_timeout_s=30.0,
        allowed_hosts=["*"],  # schemathesis calls the app with its own host names
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))


def test_every_operation_is_covered() -> None:
    assert ("/v1/search", "GET") in OPERATIONS and ("/v1/ask", "POST") in OPERATIONS
    assert ("/v1/admin/documents", "POST") in OPERATIONS and ("/v1/admin/jobs/{job_id}", "GET") in OPERATIONS
    assert ("/v1/admin/documents/{document_id}", "DELETE") in OPERATIONS
    assert len(OPERATIONS) >= 8


@pytest.mark.parametrize(("path", "method", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for p, m, mode in CASES])
def test_operation(api_schema, path: str, method: str, mode: GenerationMode) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    run()
