"""Search core: loads a bundle and answers queries with cited passages."""
