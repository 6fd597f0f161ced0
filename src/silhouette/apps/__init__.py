"""Applications built on the library: the command line, the batch runner, the report."""
