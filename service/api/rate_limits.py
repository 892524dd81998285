"""Token buckets of the rate limit, per client: in this process, or in a store replicas share."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class TokenBuckets:
    """One bucket per client: `burst` tokens, refilled at `per_minute`; the least recently seen
    clients are forgotten beyond `max_clients`."""

    def __init__(
        self, per_minute: float, burst: int, max_clients: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, last update

    def __len__(self) -> int:
        return len(self._buckets)

    def tokens(self, client: str) -> float | None:
        """Tokens left to `client` at its last request (None for a client not seen)."""
        found = self._buckets.get(client)
        return None if found is None else found[0]

    def take(self, client: str, cost: float = 1.0) -> float | None:
        """Seconds to wait before `client` may send again, or None when allowed (`cost` tokens taken)."""
        now = self.clock()
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= cost:
            self._buckets[client] = (tokens - cost, now)
            wait = None
        else:
            self._buckets[client] = (tokens, now)
            wait = (cost - tokens) / self.rate
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def charge(self, client: str, tokens: float) -> None:
        """Take `tokens` more from `client` (its bucket may go below zero: it then waits longer)."""
        if tokens <= 0 or client not in self._buckets:
            return
        left, last = self._buckets[client]
        self._buckets[client] = (max(left - tokens, -self.burst), last)


class BucketStore(Protocol):
    """Where the rate limit keeps its buckets."""

    async def take(self, client: str, cost: float) -> float | None:
        """As `TokenBuckets.take`."""

    async def charge(self, client: str, tokens: float) -> None:
        """As `TokenBuckets.charge`."""


class LocalBuckets:
    """The buckets of this process (one service process, or one replica on its own)."""

    def __init__(self, buckets: TokenBuckets) -> None:
        self.buckets = buckets

    async def take(self, client: str, cost: float) -> float | None:
        return self.buckets.take(client, cost)

    async def charge(self, client: str, tokens: float) -> None:
        self.buckets.charge(client, tokens)
