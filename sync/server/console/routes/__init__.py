"""The console's routes, one module per feature; thin: they call services and render."""
