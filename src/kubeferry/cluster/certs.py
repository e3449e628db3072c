"""The cluster's TLS material: a CA, a serving certificate for the API server, an admin token.

Generated once per data dir with the `cryptography` package (EC P-256 keys: fast to make and to
handshake), then reused on every start.  The serving certificate names `localhost`, 127.0.0.1,
::1 and the bind address, so kubectl verifies TLS against the CA in the kubeconfig.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from pathlib import Path

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
SERVER_CERT = "server.crt"
SERVER_KEY = "server.key"
ADMIN_TOKEN = "admin.token"
SA_KEY = "sa.key"  # signs ServiceAccount tokens (ES256); lives beside the CA
CLIENT_CERT_VALIDITY = dt.timedelta(days=365)
SERVER_NAMES = "server.names"  # the IPs the serving certificate covers, so a restart needs no X.509 parsing
VALIDITY = dt.timedelta(days=3650)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _wanted_ips(address: str) -> set[str]:
    wanted = {"127.0.0.1", "::1"}
    try:
        if address not in ("", "0.0.0.0", "::"):
            wanted.add(str(ipaddress.ip_address(address)))
    except ValueError:
        pass
    return wanted


def ensure(directory: Path, address: str) -> None:
    """Create the CA, serving certificate and admin token in `directory` unless they exist.

    The serving certificate is re-issued when the bind address is not among its names.  When
    everything is already in place this reads two small files and imports nothing heavy.
    """
    names = directory / SERVER_NAMES
    present = all((directory / f).exists() for f in (CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY, ADMIN_TOKEN, SERVER_NAMES))
    if present and _wanted_ips(address) <= set(names.read_text().split()):
        return
    _generate(directory, address)
    (directory / SERVER_NAMES).write_text("\n".join(sorted(_read_cert_ips(directory))) + "\n")


def _read_cert_ips(directory: Path) -> set[str]:
    from cryptography import x509

    current = x509.load_pem_x509_certificate((directory / SERVER_CERT).read_bytes())
    names = current.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def _generate(directory: Path, address: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    pem = serialization.Encoding.PEM
    key_format = serialization.PrivateFormat.PKCS8
    no_password = serialization.NoEncryption()

    if not (directory / CA_CERT).exists() or not (directory / CA_KEY).exists():
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubeferry-ca")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(directory / CA_KEY, ca_key.private_bytes(pem, key_format, no_password))
        (directory / CA_CERT).write_bytes(ca_cert.public_bytes(pem))
        for stale in (SERVER_CERT, SERVER_KEY):
            (directory / stale).unlink(missing_ok=True)

    wanted_ips = _wanted_ips(address)
    if (directory / SERVER_CERT).exists() and (directory / SERVER_KEY).exists() and wanted_ips <= _read_cert_ips(directory):
        wanted_ips = set()
    if wanted_ips:
        ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName("localhost"), x509.DNSName("kubernetes"), x509.DNSName("kubernetes.default.svc")]
        sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in sorted(wanted_ips)]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubeferry-apiserver")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(directory / SERVER_KEY, key.private_bytes(pem, key_format, no_password))
        (directory / SERVER_CERT).write_bytes(cert.public_bytes(pem))

    if not (directory / ADMIN_TOKEN).exists():
        _write_private(directory / ADMIN_TOKEN, secrets.token_urlsafe(32).encode())


def admin_token(directory: Path) -> str:
    return (directory / ADMIN_TOKEN).read_text().strip()


def service_account_key(directory: Path) -> bytes:
    """The PEM private key that signs ServiceAccount tokens; made on first use, kept across restarts
    (so tokens issued before a restart stay valid)."""
    path = directory / SA_KEY
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(path, pem)
    return path.read_bytes()


def issue_client_certificate(directory: Path, user: str, groups: tuple[str, ...] | list[str] = ()) -> tuple[bytes, bytes]:
    """A client certificate signed by the cluster CA: CN = user, one O per group.  Returns (cert, key) PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    subject.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + CLIENT_CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(pem), key_pem
