"""The per-chat update processor: one chat in order, chats concurrently, floods bounded."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.ordering import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "text": "x",
                                             "chat": {"id": chat_id, "type": "private"}}},
        None,
    )


async def test_same_chat_in_order_different_chats_concurrent():
    processor = PerChatUpdateProcessor(max_concurrent_updates=8)
    log: list[tuple[str, int, int]] = []
    running = {"now": 0, "max": 0}

    async def work(chat: int, n: int, delay: float):
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        log.append(("start", chat, n))
        await asyncio.sleep(delay)
        log.append(("end", chat, n))
        running["now"] -= 1

    tasks = []
    for n in range(5):  # chat 1's first update is the slowest: later ones must still wait for it
        tasks.append(asyncio.create_task(processor.process_update(update(n, 1), work(1, n, 0.05 if n else 0.2))))
        tasks.append(asyncio.create_task(processor.process_update(update(100 + n, 2), work(2, n, 0.01))))
    await asyncio.gather(*tasks)
    chat1 = [(kind, n) for kind, chat, n in log if chat == 1]
    assert chat1 == [(k, n) for n in range(5) for k in ("start", "end")]  # strictly one after another
    assert running["max"] == 2  # the chats ran side by side
    assert processor.active_chats == 0  # nothing left behind


async def test_a_flooding_chat_holds_one_slot_only():
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    done: list[int] = []

    async def work(chat: int):
        await asyncio.sleep(0.02)
        done.append(chat)

    flood = [asyncio.create_task(processor.process_update(update(n, 1), work(1))) for n in range(30)]
    await asyncio.sleep(0)
    other = asyncio.create_task(processor.process_update(update(999, 2), work(2)))
    await asyncio.wait_for(other, 0.2)  # not behind the 30 queued updates
    assert done.index(2) < 5
    await asyncio.gather(*flood)


async def test_overflow_is_dropped_and_noticed_once():
    notices = []

    async def on_overflow(u):
        notices.append(u.update_id)

    processor = PerChatUpdateProcessor(max_concurrent_updates=4, max_pending_per_chat=3, on_overflow=on_overflow)
    gate = asyncio.Event()
    ran = []

    async def work(n):
        await gate.wait()
        ran.append(n)

    tasks = [asyncio.create_task(processor.process_update(update(n, 1), work(n))) for n in range(6)]
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.gather(*tasks)
    assert ran == [0, 1, 2]
    assert processor.dropped == 3 and notices == [3]
