"""Thin routers: validate input, call the engine through dependencies, map results to the schema."""
