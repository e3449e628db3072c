"""Per-kind defaulting and validation, worded as upstream Kubernetes words its field errors."""
