"""The client's own URL helpers agree with urllib.parse; Record behaves as the dataclasses it replaces."""

from __future__ import annotations

import urllib.parse

import pytest

from kubeferry.client.record import Record
from kubeferry.client.urls import quote, urlencode, urlsplit

URLS = {
    "https-ip-port": "https://127.0.0.1:6443",
    "https-path": "https://example.com:8443/k8s/clusters/c-1/",
    "ipv6": "https://[::1]:6443/prefix",
    "ipv6-no-port": "https://[FE80::1]",
    "upper-host": "HTTPS://Example.COM",
    "no-port": "http://localhost",
    "userinfo": "https://user:pw@host.example:444/p?x=1#frag",
    "bare-host-port": "localhost:8080",
}


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_urlsplit_matches_urllib(url):
    ours, theirs = urlsplit(url), urllib.parse.urlsplit(url)
    assert (ours.scheme, ours.netloc, ours.path, ours.query, ours.fragment) == tuple(theirs)
    assert ours.hostname == theirs.hostname
    assert ours.port == theirs.port


def test_urlsplit_bad_port_raises_value_error():
    with pytest.raises(ValueError):
        urlsplit("https://host:http").port  # noqa: B018


TEXTS = {
    "plain": "web-1",
    "space-slash": "a b/c",
    "selector": "app in (web,api),tier!=db",
    "unicode": "naïve✓",
    "reserved": "~._-!*'();:@&=+$,/?#[]",
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_quote_matches_urllib(text):
    assert quote(text) == urllib.parse.quote(text, safe="")


def test_urlencode_matches_urllib():
    query = (("labelSelector", "app=web"), ("limit", "500"), ("continue", "a b/="))
    assert urlencode(query) == urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    assert urlencode({"watch": "1"}) == "watch=1"


class Point(Record):
    _fields = ("x", "y", "tags", "secret")
    _defaults = {"y": 0, "secret": ""}
    _factories = {"tags": list}
    _no_compare = frozenset({"secret"})
    _hidden = frozenset({"secret"})
    _frozen = True


def test_record_defaults_factories_and_equality():
    a, b = Point(1), Point(x=1, y=0, tags=[], secret="s")
    assert a == b  # `secret` is not compared
    assert hash(Point(1, tags=())) == hash(Point(1, tags=(), secret="s"))
    assert a.tags is not Point(1).tags  # a fresh list each time
    assert repr(b) == "Point(x=1, y=0, tags=[])"
    assert a.replace(y=2) == Point(1, 2)
    assert a != (1, 0, [])


def test_record_frozen_and_argument_errors():
    p = Point(1)
    with pytest.raises(AttributeError):
        p.x = 2
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)


def test_mutable_record_is_unhashable():
    class Box(Record):
        _fields = ("value",)

    box = Box(1)
    box.value = 2
    assert box == Box(2)
    with pytest.raises(TypeError):
        hash(box)
