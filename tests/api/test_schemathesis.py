"""Schemathesis against the OpenAPI schema, in-process (ASGI): generated requests for
every operation, checked for server errors and for answers that do not match the
schema (status codes, content types, bodies). Drafting runs the real pipeline without a
model (outline mode); the store is a temporary SQLite file. Bounded: a few dozen
examples per operation, well under a minute."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev requirement (requirements.in)")

from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from service.api import create_app  # noqa: E402
from tests.api.conftest import make_settings  # noqa: E402

MAX_EXAMPLES = 50


# Schemas load at import; schemathesis starts each app's lifespan itself, on its own loop.
_DATA = Path(tempfile.mkdtemp(prefix="duizhao-schemathesis-"))
atexit.register(shutil.rmtree, _DATA, True)
# Schema-valid requests may still be refused with 422 for what a schema cannot say: a text
# that is not a 对照检查材料, notes without facts, an unknown structure id.
CHECKS = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "422"]}}}
CONFIG = schemathesis.Config.from_dict(CHECKS)
TOKEN = "schemathesis-token-4b1d"


def _schema(config, **settings):
    app = create_app(make_settings(Path(tempfile.mkdtemp(dir=_DATA)), **settings))
    loaded = schemathesis.openapi.from_asgi("/v1/openapi.json", app, config=config)
    return loaded


# no tokens: loopback use, no auth
open_schema = _schema(CONFIG)
# tokens: schemathesis sends the token (its "bearer" scheme) and also checks that calls
# without it are refused with 401
secured_schema = _schema(schemathesis.Config.from_dict({
    **CHECKS, "auth": {"openapi": {"bearer": {"bearer": TOKEN}}}}), api_tokens=[TOKEN])


@open_schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()


@secured_schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES // 2, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_api_with_tokens_conforms_to_its_schema(case):
    case.call_and_validate()
