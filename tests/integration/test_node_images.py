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
