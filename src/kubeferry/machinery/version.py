"""The kubeferry version, in one place (the package root and the client user agent read it)."""

VERSION = "0.1.0"
