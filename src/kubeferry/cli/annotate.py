"""`kubeferry annotate`: set or remove annotations; the logic is `label`'s (see `cli/label.py`).

Only the metadata field (`annotations`), the nouns in messages, the field manager
(`kubectl-annotate`) and the result line (`annotated`) differ.
"""

from __future__ import annotations


def add_parser(subparsers, parents) -> None:
    from kubeferry.cli import label

    label._add(subparsers, parents, "annotate", "Update the annotations on a resource")
