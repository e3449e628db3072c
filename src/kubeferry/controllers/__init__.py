"""Level-based workload controllers: pure decisions, one executor, one runner."""
