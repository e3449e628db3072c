"""Who each controller acts as when it calls the API, as upstream runs them.

kube-controller-manager with `--use-service-account-credentials` gives each controller the
ServiceAccount `kube-system/<account>` (bound to the ClusterRole `system:controller:<account>`)
for its own calls, while the shared informers it reads from are filled with the manager's own
credentials (`system:kube-controller-manager`, which may list and watch everything).  The
scheduler is `system:kube-scheduler`; a kubelet is `system:node:<node>` in `system:nodes`.

    Controller("replicaset", ..., **controller_manager("replicaset-controller"))
"""

from __future__ import annotations

from kubeferry.client.transport import Transport
from kubeferry.machinery import rbac
from kubeferry.machinery.rbac import UserInfo

CONTROLLER_NAMESPACE = "kube-system"
CONTROLLER_MANAGER = UserInfo("system:kube-controller-manager", (rbac.AUTHENTICATED,))
SCHEDULER = UserInfo("system:kube-scheduler", (rbac.AUTHENTICATED,))
NODE_USER_PREFIX = "system:node:"
# Node users are made once per node name (a kubelet pass asks for its user each time); the memo is
# dropped whole when it holds this many, so a churn of node names cannot grow it without bound.
NODE_USERS_REMEMBERED = 4096
_node_users: dict[str, UserInfo] = {}


def controller_account(account: str) -> UserInfo:
    """`system:serviceaccount:kube-system:<account>` with its groups."""
    return rbac.service_account_user(CONTROLLER_NAMESPACE, account)


def controller_manager(account: str) -> dict:
    """The identity fields of a controller-manager controller: its account writes, the manager's informers read."""
    return {"user": controller_account(account), "reader": CONTROLLER_MANAGER}


def node(name: str) -> UserInfo:
    """A kubelet's user: its client certificate names `system:node:<name>`, organisation `system:nodes`."""
    user = _node_users.get(name)
    if user is None:
        if len(_node_users) >= NODE_USERS_REMEMBERED:
            _node_users.clear()
        user = _node_users[name] = UserInfo(NODE_USER_PREFIX + name, (rbac.NODES_GROUP, rbac.AUTHENTICATED))
    return user


def kubelet_of_pod(namespace: str, name: str, transport: Transport) -> UserInfo | None:
    """The kubelet a pod's changes reach: the one of the node it is bound to (upstream's kubelet
    watches the pods with `spec.nodeName=<itself>`); None when the pod is gone or unbound."""
    return kubelet_of(transport.get("v1", "Pod", namespace, name))


def kubelet_of(pod: dict | None) -> UserInfo | None:
    """`kubelet_of_pod` for a pod already at hand (None: gone)."""
    if pod is None:
        return None
    node_name = (pod.get("spec") or {}).get("nodeName")
    return node(node_name) if node_name else None


def kubelet_of_node(namespace: str, name: str, transport: Transport) -> UserInfo:
    """The kubelet that heartbeats Node `name`."""
    return node(name)
