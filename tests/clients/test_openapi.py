"""Both OpenAPI documents, as served, pass openapi-spec-validator."""

import pytest
import requests
from openapi_spec_validator import validate


@pytest.mark.parametrize(
    ("path", "version"), [("/api/openapi-3.0.json", "3.0.3"), ("/api", "3.1.0")]
)
def test_openapi_document_is_valid(base, path, version):
    answer = requests.get(f"{base}{path}", timeout=30)
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["openapi"] == version
    validate(doc)
