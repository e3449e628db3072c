"""End-to-end: `kubeferry explain` prints what kubectl 1.37 prints from the same server's OpenAPI v3.

Each case runs the real kubectl and kubeferry with the same arguments and compares stdout, stderr
and the exit code byte for byte (explain output holds no ages or names that change between runs).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CASES = [
    pytest.param(["deployment"], id="kind-with-group"),
    pytest.param(["service"], id="core-kind-no-group-line"),
    pytest.param(["deployment.spec.strategy"], id="field-through-allof-ref"),
    pytest.param(["pods.spec.containers.ports"], id="field-through-array-items"),
    pytest.param(["pods.metadata.labels"], id="map-field"),
    pytest.param(["deploy.spec.template.spec.containers.imagePullPolicy"], id="short-name-deep-primitive"),
    pytest.param(["deployments.apps.spec.replicas"], id="group-qualified-resource"),
    pytest.param(["service", "--recursive"], id="recursive"),
    pytest.param(["deployment", "--recursive", "--max-depth=1"], id="recursive-max-depth"),
    pytest.param(["pods.spec.containers.resources", "--recursive"], id="recursive-from-field"),
    pytest.param(["deployment", "--api-version=apps/v1"], id="api-version"),
    pytest.param(["deployment.spec.foo"], id="error-unknown-field"),
    pytest.param(["deployment.spec.foo.bar"], id="error-names-last-path-element"),
    pytest.param(["deployments.extensions.spec"], id="error-group-not-served-is-a-field"),
    pytest.param(["nope"], id="error-unknown-resource"),
    pytest.param(["deployment", "--api-version=apps/v2"], id="error-version-not-served"),
    pytest.param(["deployment", "--api-version=v1"], id="error-kind-not-in-version"),
    pytest.param(["deployment", "--api-version=a/b/c"], id="error-bad-group-version"),
    pytest.param([], id="error-no-resource"),
    pytest.param(["deployment", "service"], id="error-two-resources"),
    pytest.param(["pods.spec[0]"], id="error-index-in-path"),
    pytest.param(["deployment", "--max-depth=2"], id="error-max-depth-without-recursive"),
    pytest.param(["deployment", "-o", "html"], id="error-unknown-format"),
]


def kubeferry(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kubeferry.cli.main", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )


@pytest.mark.parametrize("args", CASES)
def test_explain_matches_kubectl(server, args):
    expected = server.kubectl("explain", *args)
    got = kubeferry(server, "explain", *args)
    assert (got.stdout, got.stderr, got.returncode) == (expected.stdout, expected.stderr, expected.returncode)


def test_explain_strategy_text(server):
    """The parity cases compare with kubectl; this pins the form itself so a shared mistake shows."""
    got = kubeferry(server, "explain", "deployment.spec.strategy")
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith(
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
        "FIELD: strategy <DeploymentStrategy>\n\n\n"
        "DESCRIPTION:\n    The deployment strategy to use to replace existing pods with new ones.\n"
        "    DeploymentStrategy describes how to replace existing pods with new ones.\n    \n"
        "FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n"
    )
    assert got.stdout.endswith("    RollingUpdate.\n\n\n")
