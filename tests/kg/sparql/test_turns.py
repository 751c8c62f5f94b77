"""The sandbox's worker slots go by turns between clients, and a wait given up never keeps a slot."""

from __future__ import annotations

import asyncio
import contextlib

from kg.sparql.sandbox import Turns


def test_a_freed_worker_goes_to_the_waiting_client_with_the_fewest_queries_running() -> None:
    async def scenario() -> list[str]:
        turns = Turns(3)
        await turns.acquire("busy")
        await turns.acquire("busy")  # one client holds all workers but one ...
        await turns.acquire("third")  # ... and another the last
        order: list[str] = []

        async def wait(client: str) -> None:
            await turns.acquire(client)
            order.append(client)

        waiting = [asyncio.create_task(wait(c)) for c in ("busy", "other")]  # "other" queued last
        await asyncio.sleep(0)
        for client in ("third", "busy", "busy"):  # workers free one by one
            turns.release(client)
            await asyncio.sleep(0)
        await asyncio.gather(*waiting)
        return order

    assert asyncio.run(scenario()) == ["other", "busy"]


def test_the_last_free_worker_is_kept_for_a_client_with_nothing_running() -> None:
    """While another client is about, a client with queries running waits for its own to end rather than take the
    last worker; the other client takes that worker at once (no wait behind a runaway), and the first client's
    query goes on when one frees."""

    async def scenario() -> tuple[bool, bool, bool, bool]:
        turns = Turns(2)
        assert turns.take_now("other")  # another client was here a moment ago
        turns.release("other")
        await turns.acquire("heavy")
        second = asyncio.create_task(turns.acquire("heavy"))
        await asyncio.sleep(0)
        kept = not second.done() and turns.free == 1
        other_at_once = turns.take_now("other")  # the kept worker, at once
        turns.release("heavy")
        await asyncio.sleep(0)
        resumed = second.done()  # its own first query ended: its second runs
        turns.release("other")
        alone = turns.take_now("heavy") is False and turns.free == 1  # still one running: the last stays kept
        return kept, other_at_once, resumed, alone

    assert asyncio.run(scenario()) == (True, True, True, True)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_alone_runs_on_every_worker() -> None:
    """Nobody else running, waiting or seen lately: a worker kept for no one would only idle."""

    async def scenario() -> tuple[bool, bool, int]:
        turns = Turns(3, keep_for=30, clock=Clock())
        return turns.take_now("alone"), turns.take_now("alone"), turns.take_now("alone") and turns.free

    assert asyncio.run(scenario()) == (True, True, 0)


def test_another_client_seen_lately_keeps_the_last_worker_until_its_sighting_lapses() -> None:
    async def scenario() -> tuple[bool, bool, bool, bool]:
        clock = Clock()
        turns = Turns(2, keep_for=30, clock=clock)
        assert turns.take_now("passer-by")
        turns.release("passer-by")  # answered; they may be reading it and send the next
        clock.now += 20
        assert turns.take_now("heavy")
        kept = turns.take_now("heavy") is False  # 20 s after the passer-by's answer: kept for them
        clock.now += 11
        lapsed = turns.take_now("heavy")  # 31 s after: nobody else about
        turns.release("heavy")
        turns.release("heavy")
        # a query kept waiting only by a sighting goes on when the sighting lapses, without a release
        clock.now += 100
        assert turns.take_now("passer-by")
        turns.release("passer-by")
        turns.keep_for = 0.2  # the timer is the event loop's: real seconds
        assert turns.take_now("heavy")
        second = asyncio.create_task(turns.acquire("heavy"))
        await asyncio.sleep(0)
        waited = not second.done() and turns.free == 1
        clock.now += 1
        await asyncio.wait_for(second, 2)
        return kept, lapsed, waited, turns.free == 0

    assert asyncio.run(scenario()) == (True, True, True, True)


def test_a_client_arriving_while_one_client_holds_every_worker_gets_the_next_one_first() -> None:
    """The lone client took every worker; the newcomer waits for one to free (not for all of that client's queued
    queries), and from then on the last worker is kept for the newcomer again."""

    async def scenario() -> tuple[list[str], bool]:
        clock = Clock()
        turns = Turns(2, keep_for=30, clock=clock)
        assert turns.take_now("alone") and turns.take_now("alone")
        order: list[str] = []

        async def wait(client: str) -> None:
            await turns.acquire(client)
            order.append(client)

        queued = asyncio.create_task(wait("alone"))  # its third, queued first
        await asyncio.sleep(0)
        newcomer = asyncio.create_task(wait("newcomer"))
        await asyncio.sleep(0)
        turns.release("alone")  # one of its runaways ends
        await asyncio.sleep(0)
        turns.release("newcomer")  # the newcomer's quick query is answered
        await asyncio.sleep(0)
        kept = not queued.done() and turns.free == 1  # its third waits for its own: the newcomer is about
        turns.release("alone")
        await asyncio.gather(queued, newcomer)
        return order, kept

    assert asyncio.run(scenario()) == (["newcomer", "alone"], True)


def test_one_worker_is_shared_by_turns_with_nothing_kept() -> None:
    async def scenario() -> tuple[bool, bool]:
        turns = Turns(1)
        first = turns.take_now("alone")
        turns.release("alone")
        return first, turns.take_now("alone")

    assert asyncio.run(scenario()) == (True, True)


def test_a_wait_given_up_keeps_no_slot_even_when_granted_at_that_moment() -> None:
    async def scenario() -> tuple[int, dict]:
        turns = Turns(1)
        await turns.acquire("a")
        gives_up = asyncio.create_task(turns.acquire("b"))
        await asyncio.sleep(0)
        turns.release("a")  # the slot goes to b ...
        gives_up.cancel()  # ... who stops waiting before it resumes
        with contextlib.suppress(asyncio.CancelledError):
            await gives_up
        assert (turns.free, turns.running) == (1, {})  # (else the next acquire would wait for ever)
        await turns.acquire("a")
        queued = asyncio.create_task(turns.acquire("c"))
        await asyncio.sleep(0)
        queued.cancel()  # one who gives up while still queued
        with contextlib.suppress(asyncio.CancelledError):
            await queued
        turns.release("a")
        return turns.free, turns.running

    assert asyncio.run(scenario()) == (1, {})


def test_a_wait_cancelled_before_a_slot_frees_is_skipped_and_the_slot_goes_on() -> None:
    """The reviewer's race: the cancel lands first, the release runs before the cancelled task resumes."""

    async def scenario() -> tuple[int, dict, bool]:
        turns = Turns(1)
        await turns.acquire("a")
        gives_up = asyncio.create_task(turns.acquire("b"))
        await asyncio.sleep(0)
        gives_up.cancel()  # cancelled first ...
        turns.release("a")  # ... and the slot freed before b's task runs its except
        with contextlib.suppress(asyncio.CancelledError):
            await gives_up
        free, running = turns.free, dict(turns.running)
        next_one = asyncio.create_task(turns.acquire("c"))
        await asyncio.wait_for(next_one, 1)  # the slot was not lost
        return free, running, next_one.done()

    assert asyncio.run(scenario()) == (1, {}, True)


def test_a_client_that_leaves_while_waiting_gives_its_place_up() -> None:
    """A burst of abandoned requests must not hold the queue: the wait notices the client has gone."""
    from kg.sparql.sandbox import ClientGone, QuerySandbox
    from kg.store import StoreSpec

    async def scenario() -> tuple[bool, int, dict, int]:
        sandbox = QuerySandbox(lambda: StoreSpec("oxigraph-memory", None, None), workers=1)
        try:
            await sandbox._turns.acquire("a")  # the one worker is busy
            polls = 0

            async def gone() -> bool:
                nonlocal polls
                polls += 1
                return polls >= 2

            left = False
            try:
                await sandbox._wait_turn("b", gone)
            except ClientGone:
                left = True
            turns = sandbox._turns
            return left, turns.free, dict(turns.running), len(turns._waiting)
        finally:
            sandbox.close()

    assert asyncio.run(scenario()) == (True, 0, {"a": 1}, 0)
