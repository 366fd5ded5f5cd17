"""HTTP routes, one module per resource; thin: they call services."""
