"""schemathesis against our own OpenAPI documents: no generated request gets a 5xx.

Slow (minutes): every operation of every group-version document the server publishes under
`/openapi/v3` gets `KUBEFERRY_FUZZ_EXAMPLES` generated requests that fit its schema and as many that
break it (default 10 each), with the admin token, against one server.  Every 5xx is collected with the exact request (fuzzapi.Outcome) and reported
together, so one run lists all of them.  The server must also still answer `/readyz` afterwards.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.request

import pytest
from crashloop import start_server
from fuzzapi import describe, fuzz_document

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("KUBEFERRY_FUZZ_EXAMPLES", "10"))
SEED = 20261127


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("fuzz"))
    context = ssl.create_default_context(cafile=str(server.data_dir / "ca.crt"))

    def get(path: str):
        request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {server.token}"})
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, response.read()

    yield server, get
    server.stop()


def test_every_group_version_document_answers_without_5xx(served):
    server, get = served
    _, index = get("/openapi/v3")
    paths = json.loads(index)["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1"} <= set(paths)
    failures, summary = [], {}
    for group_version, ref in paths.items():
        _, doc = get(ref["serverRelativeURL"])
        outcome = fuzz_document(
            json.loads(doc), server.url, server.token, str(server.data_dir / "ca.crt"), EXAMPLES, SEED
        )
        assert outcome.operations > 0 and outcome.requests >= outcome.operations, group_version
        summary[group_version] = (
            outcome.operations,
            outcome.not_negatable,
            outcome.requests,
            dict(sorted(outcome.codes.items())),
        )
        failures += outcome.failures
    print(json.dumps(summary))
    assert get("/readyz")[0] == 200
    assert not failures, f"{len(failures)} requests answered 5xx:\n{describe(failures)}"
