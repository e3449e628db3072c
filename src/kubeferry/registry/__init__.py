"""Per-resource strategies and the request pipeline: decode, default, admit, validate, store."""
