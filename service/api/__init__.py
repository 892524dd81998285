"""The HTTP layer: pydantic schemas, typed dependencies, middleware (limits, hosts, CORS, rate
limit), error translation to HTTP statuses, metrics, logs, and thin routers in `routes`.

May import `rapporteur`, `service.search` and `service.serving`; holds no search logic.
"""
