"""A node keeps the images its pods pulled, as a real node's container runtime does: later pods of the
same image on that node record `already present on machine` instead of pulling."""

from __future__ import annotations

from kubeferry import Cluster


def test_replicas_on_one_node_pull_their_image_once(tmp_path):
    """Three replicas on one node: the first pulls the image, the others find it there, as a real
    node's runtime keeps what it pulled."""
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        c.apply(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
                    },
                },
            }
        )
        c.advance(5)
        pulls = sorted(
            (e["reason"], e["message"].split(" in ")[0])
            for e in c.list("v1", "Event", "default")
            if e["reason"] in ("Pulling", "Pulled")
        )
        assert pulls == [
            ("Pulled", 'Container image "nginx:1.25" already present on machine'),
            ("Pulled", 'Container image "nginx:1.25" already present on machine'),
            ("Pulled", 'Successfully pulled image "nginx:1.25"'),
            ("Pulling", 'Pulling image "nginx:1.25"'),
        ]


def test_a_node_reports_the_images_its_pods_pulled_at_its_next_heartbeat(tmp_path):
    """node.status.images lists what the node holds, as upstream's kubelet reports its runtime's
    images: the largest first, each named by its digest and then its tag (one pulled by digest has
    no tag); the digests are the pods' imageIDs."""
    digest = "busybox@sha256:" + "ab" * 32
    with Cluster(clock="virtual", nodes=1, data_dir=tmp_path / "c", serve=False) as c:
        c.advance(1)
        (node,) = c.list("v1", "Node")
        assert "images" not in node["status"]
        for name, image in ("a", "nginx:1.25"), ("b", "registry.example.com/team/api:2"), ("d", digest):
            c.apply(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": name, "namespace": "default"},
                    "spec": {"containers": [{"name": "c", "image": image}]},
                }
            )
        c.advance(12)  # the pods start, then a heartbeat (every 10 s) posts the node's status
        (node,) = c.list("v1", "Node")
        ids = {p["metadata"]["name"]: p["status"]["containerStatuses"][0]["imageID"] for p in c.list("v1", "Pod")}
        assert ids["d"] == "docker.io/library/" + digest
        assert [(i["names"], i["sizeBytes"]) for i in node["status"]["images"]] == [
            ([ids["b"], "registry.example.com/team/api:2"], 95_119_337),
            ([ids["a"], "docker.io/library/nginx:1.25"], 39_998_635),
            ([ids["d"]], 39_134_056),
        ]
