"""A realistic week of logged turns (about 470) built from the project's knowledge base.

Students ask knowledge-base questions (some answers get 👍/👎, one entry many 👎), get
clarifying buttons and pick one (or type something else), fall back on subjects the
knowledge base does not cover (each subject asked in several phrasings, some more than
once), and ask for a human after a few messages. The subjects of the fallbacks are known
(:data:`SUBJECTS`), so tests can check the grouping against them; nothing is hard-coded
about what the grouping returns.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

from gradbot.knowledge.schema import KnowledgeBase
from gradbot.reporting.data import LoggedMessage, Period

SUBJECTS: dict[str, list[str]] = {  # subject -> phrasings students used (not in the knowledge base)
    "recommendation_form": ["就业推荐表在哪里领", "推荐表丢了怎么办", "毕业生推荐表怎么补办", "就业推荐表什么时候发",
                            "推荐表需要学院盖章吗", "就业推荐表可以自己打印吗", "推荐表填错了能改吗", "就业推荐表能补吗"],
    "diploma": ["毕业证什么时候发", "毕业证丢了怎么补办", "毕业证书在哪里领", "毕业证可以找同学代领吗"],
    "transcript": ["成绩单在哪里打印", "中英文成绩单怎么开", "成绩单要盖章去哪里"],
    "campus_card": ["校园卡丢了怎么办", "校园卡毕业后还能用吗", "离校后校园卡余额怎么退"],
    "dorm": ["宿舍什么时候必须搬走", "毕业离校怎么办退宿", "退宿要交钥匙吗"],
    "medical": ["入职体检在哪做", "校医院能做入职体检吗"],
}
SINGLETONS = ["今天天气怎么样", "食堂几点关门", "图书馆的书怎么续借"]
PERIOD = Period(date(2026, 11, 16), date(2026, 11, 22))
PREVIOUS = Period(date(2026, 11, 9), date(2026, 11, 15))


def subject_of(text: str) -> str | None:
    """The subject a fallback phrasing belongs to (None for singletons and everything else)."""
    return next((s for s, phrasings in SUBJECTS.items() if text in phrasings), None)


def week(kb: KnowledgeBase, period: Period = PERIOD, seed: int = 11, scale: float = 1.0) -> list[LoggedMessage]:
    """The logged messages of one week, oldest first (Beijing time), about ``470 * scale`` of them."""
    rng = random.Random(seed)
    entries = sorted(kb.entries.values(), key=lambda e: e.id)
    disliked = entries[1].id  # one entry students often mark 👎
    messages: list[LoggedMessage] = []
    clock = {"n": 0}

    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.choice([9, 10, 11, 14, 15, 16, 20, 21, 22]),
                                                                        minutes=rng.randrange(60))

    def add(session: str, when: datetime, text: str, outcome: str, faq_id: str | None = None,
            feedback: int | None = None) -> datetime:
        clock["n"] += 1
        messages.append(LoggedMessage(id=clock["n"], created_at=when, channel="telegram", session_hash=session,
                                      text=text, outcome=outcome, faq_id=faq_id, feedback=feedback,
                                      intent=None, confidence=None))
        return when + timedelta(seconds=rng.randrange(20, 90))

    fallbacks = [(p, rng.choice([1, 1, 2, 3])) for phrasings in SUBJECTS.values() for p in phrasings]
    fallbacks += [(p, 1) for p in SINGLETONS]
    fallback_queue = [p for p, times in fallbacks for _ in range(max(1, round(times * scale)))]
    rng.shuffle(fallback_queue)
    sessions = int(125 * scale)
    for number in range(sessions):
        session = f"{period.start:%m%d}-s{number:03d}"
        when = at(period.days[number % len(period.days)])
        if rng.random() < 0.3:
            when = add(session, when, rng.choice(["你好", "老师好"]), "greet")
        for _ in range(rng.choice([1, 2, 2, 3, 4])):
            roll = rng.random()
            if roll < 0.55:
                entry = rng.choice(entries)
                feedback = rng.choice([None] * 6 + [1, 1, -1])
                if entry.id == disliked:
                    feedback = rng.choice([-1, -1, 1, None])
                when = add(session, when, rng.choice(entry.questions), "faq", entry.id, feedback)
            elif roll < 0.67:
                options = rng.sample(entries, 2)
                question = rng.choice(options[0].questions)
                when = add(session, when, question[:max(3, len(question) // 2)], "clarify")  # a vague start of a question
                if rng.random() < 0.7:
                    payload = '/choose_faq' + json.dumps({"faq_id": options[0].id})
                    when = add(session, when, payload, "faq", options[0].id, rng.choice([None, None, 1, -1]))
            elif roll < 0.82 and fallback_queue:
                when = add(session, when, fallback_queue.pop(), "fallback")
            elif roll < 0.9:
                when = add(session, when, "我的进度", "case_status")
            else:
                when = add(session, when, "谢谢", "thanks")
        if rng.random() < 0.1:
            add(session, when, "/handoff", "handoff")
    while fallback_queue:  # every planned fallback is asked
        session = f"{period.start:%m%d}-x{len(fallback_queue):03d}"
        when = at(period.days[len(fallback_queue) % len(period.days)])
        when = add(session, when, fallback_queue.pop(), "fallback")
        if rng.random() < 0.3:
            add(session, when, "/handoff", "handoff")
    messages.sort(key=lambda m: (m.created_at, m.id))
    return messages
