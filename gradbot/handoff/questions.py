"""Which of a student's messages carry a question, for the card and ``/faq`` drafts.

* :func:`is_small_talk`: a message made only of acknowledgements, thanks, greetings and
  farewells ("好的谢谢", "ok", "收到", "老师辛苦了", "👍"): nothing to answer or to save.
* :func:`question_in_request`: a request for a person that also says what it is about
  ("我想找老师，我的三方协议盖章被退回了") gives its text; a bare request ("我要找人工老师",
  "这个问题比较复杂，想找老师当面说") gives "".

Both work on the normalised text (:func:`gradbot.textnorm.normalize`: Simplified,
half-width, lower case) with small word lists; nothing here asks the NLU model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import yaml

from gradbot.nlu_data import nlu_examples
from gradbot.settings import PROJECT_ROOT
from gradbot.textnorm import normalize

CHIT_CHAT_FILE = PROJECT_ROOT / "nlu_data" / "nlu" / "chitchat.yml"
CHIT_CHAT_INTENTS = ("greet", "thanks", "goodbye")

# Words of acknowledgement, thanks, greeting and farewell (and the particles around them).
SMALL_TALK_WORDS = (
    "好的", "好滴", "好嘞", "好哒", "好吧", "好", "行", "可以", "嗯嗯", "嗯", "哦哦", "哦", "噢", "喔", "对", "是的",
    "ok", "okay", "k", "收到", "明白了", "明白", "知道了", "知道", "懂了", "了解", "清楚了", "没问题", "没事了", "没事",
    "谢谢", "谢了", "谢啦", "多谢", "感谢", "感恩", "非常", "太", "十分", "辛苦了", "辛苦", "麻烦了", "麻烦你了",
    "打扰了", "不好意思", "蟹蟹", "3q", "thanks", "thank you", "thank", "thx", "ty", "cheers", "got it", "great",
    "你好", "您好", "老师好", "在吗", "在不在", "有人吗", "哈喽", "嗨", "hello", "hi", "hey", "早上好", "下午好", "晚上好",
    "再见", "拜拜", "拜", "bye", "88", "886", "回头见",
    "老师", "小助手", "你", "您", "你们", "的", "了", "啦", "呀", "啊", "哈", "哈哈", "呢", "哒", "吧", "so much",
    "a lot", "very much", "much", "you", "all", "the", "good", "nice", "fine", "我", "那", "就", "这样",
)
# A request for a person, with the verbs and modal words around it.
_LEAD = r"(?:我|请|麻烦|帮我|能不能|能否|可不可以|可以|想|要|需要|希望|直接|还是|再|找|联系|联络|转接|转给|转到|转|问问|问|让|叫|跟|和|求助|给|帮|一下|一个|个|位)*"
_PERSON = r"(?:人工客服|人工服务|人工|真人老师|真人|老师们|老师|客服|工作人员|负责人)"
_AFTER = r"(?:来|聊聊|聊|说话|说|沟通|回答|处理|看看|看|问一下|问问|问|咨询|帮忙|联系我|联络我|一下|吧|吗|呢|啊)*"
_REQUEST = re.compile(_LEAD + _PERSON + _AFTER)
_REQUEST_EN = re.compile(
    r"(?:(?:i|we)\s+)?(?:(?:want|would like|need|wish)\s+)?(?:to\s+)?(?:(?:talk|speak|chat)\s+(?:to|with)\s+|contact\s+)?"
    r"(?:a\s+|the\s+|your\s+)?(?:real\s+)?(?:human|person|staff|teacher|agent|someone|somebody|advisor|counsellor)s?\b")
# Words that say something about the request (or the bot, or the office), not about the matter.
_ABOUT_REQUEST = (
    "这个问题", "我的问题", "问题", "这个", "那个", "比较复杂", "很复杂", "复杂", "情况特殊", "特殊情况", "特殊", "情况",
    "当面", "面谈", "说不清楚", "说不清", "答非所问", "机器人", "自动回复", "回复", "你回答不了", "回答不了", "解决不了",
    "不了", "你说的", "看不懂", "听不懂", "不懂", "不想", "不要", "没用", "别", "有没有", "没有", "可以", "能", "吗",
    "就业中心", "就业创业中心", "中心", "办公室", "负责", "电话", "个人", "我的", "我", "你", "的", "有", "是", "一下",
    "直接", "联络", "联系", "在线", "来",
)
_LEAD_WORDS = re.compile(_LEAD.removesuffix("*"))
# English words that do not make a question on their own.
_EN_STOPWORDS = frozenset(
    "i me my we you your a an the to with from of for about please can could would will want like need talk speak "
    "chat connect contact transfer get let put give someone somebody human person people staff teacher agent real "
    "office center centre advisor counsellor now just is it this that be do there here no not don t bot robot "
    "answer answers help".split())
_SEPARATORS = re.compile(r"[,.;:!?，。；：！？、~～…\-—()（）\[\]【】\"'“”‘’/]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z]+|[0-9]+")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


_ABOUT = re.compile(_alternation(_ABOUT_REQUEST))
MIN_CJK = 4  # Chinese characters of substance that make a question
MIN_WORDS = 2  # or English words


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _SEPARATORS.split(normalize(text)) if c.strip()]


def _letters(clause: str) -> str:
    """The clause without emoji and symbols (letters, digits, Chinese characters and spaces kept)."""
    return "".join(ch for ch in clause if ch.isalnum() or ch == " ")


@lru_cache(maxsize=1)
def _small_talk() -> "re.Pattern[str]":
    """The small-talk words plus every clause of the NLU's ``greet``/``thanks``/``goodbye`` examples."""
    words = {w.replace(" ", "") for w in SMALL_TALK_WORDS}
    for example in _chit_chat_examples():
        words.update(_letters(c).replace(" ", "") for c in _clauses(example))
    return re.compile(f"(?:{_alternation(words)})+")


def _chit_chat_examples() -> list[str]:
    """The NLU training examples of the chit-chat intents (none when the file is not there)."""
    try:
        examples = nlu_examples(CHIT_CHAT_FILE)
    except (OSError, yaml.YAMLError):
        return []
    return [example.text for example in examples if example.intent in CHIT_CHAT_INTENTS]


def is_small_talk(text: str) -> bool:
    """True for a message of only acknowledgements, thanks, greetings, farewells, emoji or punctuation."""
    pattern = _small_talk()
    return all(not c or pattern.fullmatch(c) for c in (_letters(c).replace(" ", "") for c in _clauses(text)))


def _substance(rest: str) -> bool:
    rest = _letters(rest)
    words = [w for w in _WORD.findall(rest) if w not in _EN_STOPWORDS and len(w) > 1 and not w.isdigit()]
    cjk = _small_talk().sub(" ", _ABOUT.sub(" ", _LEAD_WORDS.sub(" ", rest)))
    return len(_CJK.findall(cjk)) >= MIN_CJK or len(words) >= MIN_WORDS


def question_in_request(text: str) -> str:
    """The whole message when a request for a person also carries a question, else ""."""
    for clause in _clauses(text):
        rest = _REQUEST_EN.sub(" ", _REQUEST.sub(" ", clause))
        if _substance(rest):
            return " ".join((text or "").split())
    return ""
