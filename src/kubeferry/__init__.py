"""kubeferry: continuous delivery for Kubernetes workloads.

`from kubeferry import Cluster` gives an in-process embedded cluster; everything else is reached
through the `kubeferry` command.  Imports here stay lazy so the CLI starts fast.
"""

from kubeferry.machinery.version import VERSION as __version__

__all__ = ["Cluster", "__version__"]


def __getattr__(name: str):
    if name == "Cluster":
        from kubeferry.cluster.inprocess import Cluster

        return Cluster
    raise AttributeError(name)
