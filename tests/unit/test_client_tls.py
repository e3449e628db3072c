"""TLS and TCP streams on the C modules (`client/tls.py`): verification, host names, the ends of a stream."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from kubeferry.client import tls
from kubeferry.cluster import certs


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    certs.ensure(directory, "127.0.0.1")
    return directory


def serve_once(material, behaviour):
    """A TLS server on 127.0.0.1 for one connection; `behaviour(tls_socket)` runs in its thread."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(material / certs.SERVER_CERT, material / certs.SERVER_KEY)
    context.set_alpn_protocols(["http/1.1"])
    listener = socket.create_server(("127.0.0.1", 0))
    errors: list[BaseException] = []

    def run():
        with listener:
            raw, _ = listener.accept()
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    behaviour(conn)
            except (ssl.SSLError, OSError) as e:
                errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread, errors


def ca_context(material):
    return tls.client_context(ca_data=(material / certs.CA_CERT).read_bytes())


def test_verified_round_trip_with_alpn(material):
    def echo(conn):
        line = conn.recv(100)
        conn.sendall(line.upper() + conn.selected_alpn_protocol().encode() + b"\n")

    port, thread, _ = serve_once(material, echo)
    stream = tls.open_stream(b"127.0.0.1", port, 5, ca_context(material), b"127.0.0.1")
    stream.sendall(b"ping ")
    assert stream.reader.readline() == b"PING http/1.1\n"
    assert stream.sock.getpeername()[0] == "127.0.0.1"
    stream.close()
    thread.join(5)


def test_certificate_names_are_checked(material):
    port, thread, _ = serve_once(material, lambda conn: None)
    with pytest.raises(tls.SSLCertVerificationError) as e:
        tls.open_stream("127.0.0.1", port, 5, ca_context(material), "api.example.com")
    assert e.value.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    assert isinstance(e.value, ssl.SSLCertVerificationError)  # the class callers of `ssl` know
    thread.join(5)


def test_dns_name_in_certificate_verifies(material):
    port, thread, _ = serve_once(material, lambda conn: conn.sendall(b"ok"))
    stream = tls.open_stream("127.0.0.1", port, 5, ca_context(material), "localhost")
    assert stream.reader.read() == b"ok"
    stream.close()
    thread.join(5)


def test_unknown_authority_is_refused_unless_insecure(material, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    certs.ensure(other, "127.0.0.1")
    port, thread, _ = serve_once(material, lambda conn: None)
    with pytest.raises(tls.SSLCertVerificationError) as e:
        tls.open_stream("127.0.0.1", port, 5, ca_context(other), "127.0.0.1")
    # another cluster's CA carries the same name, so OpenSSL finds it and fails its signature (7)
    assert e.value.verify_code == 7
    thread.join(5)
    port, thread, _ = serve_once(material, lambda conn: conn.sendall(b"anyway"))
    stream = tls.open_stream("127.0.0.1", port, 5, tls.client_context(insecure=True), "api.example.com")
    assert stream.reader.read() == b"anyway"
    stream.close()
    thread.join(5)


def test_close_without_close_notify_reads_as_the_end(material):
    def abrupt(conn):
        conn.sendall(b"partial")
        conn.fileno() and socket.socket(fileno=conn.detach()).close()  # TCP close, no TLS close_notify

    port, thread, _ = serve_once(material, abrupt)
    stream = tls.open_stream("127.0.0.1", port, 5, ca_context(material), "127.0.0.1")
    assert stream.reader.read() == b"partial"
    stream.close()
    thread.join(5)


def test_clean_tls_close_reads_as_the_end(material):
    def polite(conn):
        conn.sendall(b"all of it")
        conn.unwrap()

    port, thread, _ = serve_once(material, polite)
    stream = tls.open_stream("127.0.0.1", port, 5, ca_context(material), "127.0.0.1")
    assert stream.reader.read() == b"all of it"
    stream.close()
    thread.join(5)


def test_read_timeout_is_the_sockets(material):
    release = threading.Event()
    port, thread, _ = serve_once(material, lambda conn: release.wait(5))
    stream = tls.open_stream("127.0.0.1", port, 0.2, ca_context(material), "127.0.0.1")
    with pytest.raises(TimeoutError):
        stream.reader.read1(10)
    release.set()
    stream.close()
    thread.join(5)


def test_plain_stream_and_refused_port():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stream = tls.open_stream("127.0.0.1", port, 5)
    peer, _ = listener.accept()
    stream.sendall(b"hello")
    assert peer.recv(10) == b"hello"
    peer.sendall(b"back")
    peer.close()
    assert stream.reader.read() == b"back"
    stream.close()
    listener.close()
    with pytest.raises(ConnectionRefusedError):
        tls.connect_tcp("127.0.0.1", port, 5)


def test_unresolvable_host_is_gaierror():
    with pytest.raises(tls.gaierror):
        tls.connect_tcp("no-such-host.invalid", 443, 5)
    assert tls.gaierror is socket.gaierror


@pytest.mark.parametrize(
    "host, expected",
    [
        pytest.param(b"127.0.0.1", "127.0.0.1", id="bytes"),
        pytest.param("kube.example", "kube.example", id="ASCII name"),
        pytest.param("münchen.de", "xn--mnchen-3ya.de", id="IDNA"),
    ],
)
def test_tls_hostname(host, expected):
    assert tls.tls_hostname(host) == expected


def test_bad_ca_bytes_raise_ssl_error():
    with pytest.raises(tls.SSLError):
        tls.client_context(ca_data=b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
