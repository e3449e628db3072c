"""Simulated scheduler, nodes and kubelets whose pod behaviour is data."""
