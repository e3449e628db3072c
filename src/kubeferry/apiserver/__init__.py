"""The HTTP surface of the embedded control plane: routing, discovery, OpenAPI, tables, watch streams."""
