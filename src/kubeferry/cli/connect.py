"""From kubectl-style flags to a connected client, and from client failures to kubectl's lines.

`connect(args)` loads the kubeconfig exactly as kubectl does (flags override it) and returns a
`Connection` with the HTTPS transport and the effective namespace.  `fail(error)` prints the one
line kubectl would print for a config, connection or API error and returns the exit code, so
commands never show a traceback.
"""

from __future__ import annotations

import sys

from kubeferry.client.record import Record

EXIT_FAILED = 1
EXIT_USAGE = 3


class Connection(Record):
    """`transport` (kubeferry.client.https.HTTPSTransport), the effective `namespace`, whether it was
    `namespace_explicit` (a flag or the context named it), and the `config` (a ClientConfig)."""

    _fields = ("transport", "namespace", "namespace_explicit", "config")


def parse_timeout(text: str | None) -> float | None:
    """kubectl's `--request-timeout`: `0` (none), `30`, `30s`, `1m`, `2h`."""
    if text in (None, "", "0"):
        return None
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", text.strip())
    if not match:
        raise ValueError(f'invalid argument {text!r} for "--request-timeout" flag: Invalid time unit')
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    return float(match.group(1)) * scale


def overrides(args):
    from kubeferry.client.kubeconfig import Overrides

    return Overrides(
        kubeconfig=getattr(args, "kubeconfig", None) or "",
        context=getattr(args, "context", None) or "",
        cluster=getattr(args, "cluster", None) or "",
        user=getattr(args, "user", None) or "",
        namespace=getattr(args, "namespace", None) or "",
        server=getattr(args, "server", None) or "",
        token=getattr(args, "token", None) or "",
        insecure_skip_tls_verify=getattr(args, "insecure_skip_tls_verify", None),
        certificate_authority=getattr(args, "certificate_authority", None) or "",
        client_certificate=getattr(args, "client_certificate", None) or "",
        client_key=getattr(args, "client_key", None) or "",
        request_timeout=parse_timeout(getattr(args, "request_timeout", None)),
    )


def connect(args, command: str = "") -> Connection:
    """Load the kubeconfig and open a transport; warnings from the server go to stderr as kubectl prints them."""
    from kubeferry.client import https, kubeconfig

    config = kubeconfig.load(overrides(args))
    headers = {"Kubectl-Command": f"kubeferry {command}".strip()} if command else None
    transport = https.HTTPSTransport(
        config, on_warning=lambda text: print(f"Warning: {text}", file=sys.stderr), headers=headers
    )
    return Connection(transport, config.namespace, bool(getattr(config, "namespace_explicit", False)), config)


def fail(error: BaseException) -> int:
    """Print kubectl's line for `error` and return the exit code (1, or 3 for usage/config)."""
    from kubeferry.client.https import APIConnectionError
    from kubeferry.client.kubeconfig import ConfigError, CredentialError
    from kubeferry.machinery.status import StatusError

    if isinstance(error, StatusError):
        print(only_error_text(error), file=sys.stderr)
        return EXIT_FAILED
    if isinstance(error, ConfigError):
        print(error.render(), file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, CredentialError):
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, APIConnectionError):
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, ValueError):
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    raise error


def only_error_text(error, action: str = "", source: str = "") -> str:
    """What kubectl prints when `error` is the one error of a command.

    An Invalid error with details reads `The Deployment "web" is invalid: spec.replicas: Invalid
    value: -5: …` (several causes each on a `* ` line after the first, repeats left out; `The
    request is invalid` when the details name nothing) — the file it came from is not mentioned.
    Any other server error is `server_error_line`'s."""
    details = getattr(error, "details", None) or {}
    if getattr(error, "reason", "") != "Invalid" or not details:
        return server_error_line(error, action, source)
    kind, name = details.get("kind") or "", details.get("name") or ""
    prefix = f'The {kind} "{name}" is invalid' if kind or name else "The request is invalid"
    causes: list[str] = []
    for cause in details.get("causes") or ():
        text = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if text not in causes:
            causes.append(text)
    if not causes:
        return prefix
    if len(causes) == 1:
        return f"{prefix}: {causes[0]}"
    return f"{prefix}: \n" + "\n".join(f"* {text}" for text in causes)


def server_error_line(error, action: str = "", source: str = "") -> str:
    """`Error from server (NotFound): deployments.apps "x" not found`, with kubectl's variants.

    `action`/`source` give the file form: `error when creating "app.yaml": <message>`.  This is how
    kubectl prints each error of several; a command's only error prints as `only_error_text`.
    """
    reason = f" ({error.reason})" if error.reason else ""
    message = error.message
    if action and source:
        message = f'error when {action} "{source}": {message}'
    return f"Error from server{reason}: {message}"
