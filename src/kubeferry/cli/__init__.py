"""The kubeferry command line: one module per command, lazy imports."""
