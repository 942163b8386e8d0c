"""The API against its own OpenAPI schema, with schemathesis: as a lead and as a reviewer, every operation.

No 5xx, every answer's status and body as the schema says, whatever the generated parameters.
"""

from __future__ import annotations

import copy
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# A few examples per operation and role in CI; `make test-live` runs many more (API_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
# The same examples on every CI run (a failure there is the code's, found again the same way); new ones
# every time in `make test-live`.
FIXED = "API_FUZZ_EXAMPLES" not in os.environ
RAW = SchemaGenerator().get_schema(request=None, public=True)
# The requests are sent with a real token of the role's (below), so schemathesis is given the operations
# without their security requirement: it would otherwise send broken Authorization headers as "invalid
# data", which the real token replaces. The tokens' refusals are tested in test_tokens.py.
FUZZED = copy.deepcopy(RAW)
for operations in FUZZED["paths"].values():
    for operation in operations.values():
        operation.pop("security", None)
schema = schemathesis.openapi.from_dict(FUZZED)
schema.app = get_wsgi_application()


def test_the_schema_is_valid_openapi_3():
    validate_schema(RAW)  # against the OpenAPI 3.0 JSON schema
    assert RAW["openapi"].startswith("3.")
    assert "/api/v1/entries/" in RAW["paths"]
    assert RAW["components"]["securitySchemes"]["personalAccessToken"]["scheme"] == "bearer"


def test_the_schema_is_served_to_a_token_and_not_to_nobody(client, world, bearer):
    assert client.get("/api/v1/schema/").status_code == 401
    response = client.get("/api/v1/schema/?format=json", **bearer(world.users.lead))
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "All Together Fairer API"


@pytest.fixture
def api_rate(settings):
    settings.API_RATE = "100000/minute"


@pytest.fixture
def connection_kept():
    """Schemathesis calls the WSGI application itself, not through Django's test client: as that client does,
    keep the request signals from closing the test's database connection (and its transaction) mid-test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["lead", "reviewer"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=FIXED, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_the_schema(case, role, api_world, bearer, api_rate, connection_kept):
    headers = {"Authorization": bearer(getattr(api_world.users, role))["HTTP_AUTHORIZATION"]}
    # Not "positive data acceptance": the schema says a filter's id is an integer, and cannot say that it
    # must be a row the reader may view; such an id is refused with a 400 that names the parameter.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
