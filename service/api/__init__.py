"""HTTP layer of the service: schemas, dependencies, middleware and routers over the search core."""
