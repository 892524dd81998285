"""Threads per search: all the cores when a search runs alone, one each when several overlap."""

from __future__ import annotations

import threading

from service.search.threads import ThreadBudget


def test_a_search_alone_gets_every_thread_and_overlapping_ones_one_each() -> None:
    budget = ThreadBudget(solo=2)
    with budget.claim() as first:
        assert first == 2
        with budget.claim() as second:
            assert second == 1
    with budget.claim() as again:
        assert again == 2


def test_claims_from_many_threads_leave_the_budget_balanced() -> None:
    budget = ThreadBudget(solo=4)
    seen: list[int] = []
    barrier = threading.Barrier(8)

    def search() -> None:
        with budget.claim() as threads:
            barrier.wait(timeout=5)  # all eight in flight at once
            seen.append(threads)

    workers = [threading.Thread(target=search) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(seen) == [1] * 7 + [4]
    with budget.claim() as alone:
        assert alone == 4


def test_the_engine_runner_tells_the_embedder_its_threads() -> None:
    import time

    import anyio

    from rapporteur.embedders.hashing import HashingEmbedder
    from service.api.dependencies import EngineRunner

    class Spy(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.told: list[int] = []

        def use_threads(self, count: int) -> None:
            self.told.append(count)

    spy = Spy()

    async def main() -> None:
        limiter = anyio.CapacityLimiter(4)
        runner = EngineRunner(limiter, time.monotonic() + 10, threads=ThreadBudget(2), embedder=spy)
        assert await runner(lambda: "alone") == "alone"
        gate = threading.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(runner, lambda: gate.wait(5))
            await anyio.sleep(0.2)
            assert await runner(lambda: gate.set()) is None

    anyio.run(main)
    assert spy.told == [2, 2, 1]
