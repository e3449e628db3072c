"""Pure building blocks shared by every layer: errors, resource table, selectors, patches. No I/O."""
