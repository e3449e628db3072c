"""The deliver step: update, wait, verify, roll back, report."""
