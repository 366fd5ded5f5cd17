"""Server services: the work behind the routes and the CLI, one transaction each."""
