"""Composition root: the server process, the in-process Cluster, cluster lifecycle commands."""
