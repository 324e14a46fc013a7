"""Follow-up questions: complete a question that leans on earlier turns, by readable rules.

Interface used by the CLI (`ask --after`), the HTTP API (`history`) and the Ask page.

The rules, in the order they are tried (the first that fits wins; none fits → the question
stands on its own and is returned untouched):

1. **slot** — "那X呢？", "X呢？", "还有X呢", "如果是X呢", "What about X?", "And X?", "X too?":
   X takes the place of the matching part of the previous question —
   an actor for an actor (高校 for 制造企业: words ending in 企业/机构/高校/院所/城市/部门 …),
   a term for a term with the same head (创新联合体 for 招聘用工联合体).
   X that is a deadline or a body ("那截止日期呢？", "what about the deadline?") asks that of
   the previous question's topic (rule 3). X that matches nothing in the previous question is a
   new topic, and a new topic is never merged with the old one.
2. **also** — "高校也可以吗？", "Universities too?": as rule 1, for an actor.
3. **aspect** — a bare deadline or body question with no topic of its own ("截止到哪天？",
   "谁负责？", "报给谁？", "When is it due?", "Who is responsible?"): the previous question's topic
   (what comes before its question words: 试点城市的实施方案) is put in front of it.
4. **pronoun** — 它/它们/这个/那个/这些/这项 standing for a thing ("它的截止日期是哪天？"),
   or it/this/that/they in English: replaced by the previous question's topic.

The previous question is itself completed first, so a chain of follow-ups keeps its topic.
Traditional characters and full-width forms are normalised before the rules look at the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .lexical import ChineseTokenizer
from .text import fullwidth_punctuation, normalize_query

MAX_CHARS = 500  # the engine's question limit: a completion never grows past it
HISTORY_TURNS = 6  # how far back a chain of follow-ups is resolved


@dataclass(frozen=True)
class Completion:
    original: str  # what the user typed
    question: str  # what is searched: the original, or the original completed from history
    rewritten: bool
    rule: str = ""  # which rule completed it, shown to the user


# ---- vocabulary: word classes, not per-question lists ------------------------------------

# Who a question can be about: nouns for bodies and people end in one of these.
_ACTOR_HEADS_ZH = (
    "企业", "机构", "高校", "大学", "院校", "院所", "研究院", "城市", "部门", "厅", "局", "政府",
    "园区", "产业园", "集团", "劳动者", "从业人员", "工作人员", "人员", "工人", "员工", "单位", "组织", "工商联",
)
# Characters that cannot be part of a noun phrase: they end one on its left.
_BOUNDARY_ZH = set("的在对给向由和与及或是有被把让为从哪谁什么怎几吗呢那这其该些个了也还又都就请问我你们他它，。？！、：；“”（） ")
_QUESTION_WORDS_ZH = re.compile(r"什么|啥|哪|谁|几|多少|多久|怎|如何|何时|何地|吗|是否|能否|可否|能不能|可不可以|有没有|是不是")
# Where a question's topic ends: the first of these after its opening words.
_TOPIC_END_ZH = re.compile(
    r"要在|需要|应当|应该|必须|可以|能够|能否|能不能|是否|有没有|有哪些|有什么|是什么|是哪|是谁|由谁|"
    r"最晚|最迟|截止|截至|什么|哪|谁|几|多少|多久|怎|如何|何时|吗|呢|要|应|能|可|会|由|是|有|在|[，？！。]"
)
_DEADLINE_ZH = r"截止|截至|期限|最晚|最迟|什么时候|啥时候|何时|哪天|哪一天|几号|几月|日期|时间|多久|时限|节点"
_BODY_ZH = r"谁|哪个部门|哪些部门|什么部门|哪个单位|哪家|负责|牵头|主管|责任主体|责任|主体"
_ASPECT_ZH = re.compile(rf"^(?:{_DEADLINE_ZH}|{_BODY_ZH})+$")
# What is left of a bare question once its question words, aspect words and these are removed
# must be nothing: general verbs and particles that never name a topic.
_BARE_FILLER_ZH = re.compile(
    rf"{_DEADLINE_ZH}|{_BODY_ZH}|什么|啥|哪里|哪儿|哪|几|多少|怎么|如何|吗|呢|吧|啊|呀|"
    r"请问|那么|那|这|是|要|需要|应该|应当|得|在|到|给|向|由|来|去|找|问|的|了|之前|以前|前|"
    r"报送|报给|报|交给|交|提交|送|做|办|完成|开始|结束|组织|联系|管|[，？！。\s]"
)
_PRONOUN_ZH = re.compile(
    r"它们|它|(?:这个|那个|这些|那些|这项|那项|此项)(?=[要是需由在能可应有的，？吗呢什怎如谁哪截最该得]|$)"
)

_ACTOR_EN = re.compile(
    r"\b(?:(?!(?:what|which|who|when|how|do|does|did|can|could|must|should|will|would|are|is|the|a|an|for|of|in|to|and|or|about|with|by|have|has|may|their|its|our|my|your)\b)[a-z][a-z\-]*\s+){0,3}"
    r"(?:enterprises?|compan(?:y|ies)|firms?|manufacturers?|agenc(?:y|ies)|providers?|universit(?:y|ies)|"
    r"colleges?|institutes?|institutions?|cit(?:y|ies)|departments?|authorit(?:y|ies)|ministr(?:y|ies)|"
    r"workers?|employees?|employers?|parks?|provinces?)\b"
)
_DEADLINE_EN = r"when|deadline|due|date|by when|how long|time ?limit|until when"
_BODY_EN = r"who|who's|whom|which (?:department|body|agency|ministry)|responsible|in charge|charge|organi[sz]es?|leads?"
_BARE_FILLER_EN = re.compile(
    rf"\b(?:{_DEADLINE_EN}|{_BODY_EN}|what|what's|whats|is|are|was|it|its|it's|this|that|they|them|these|those|"
    r"the|a|for|of|and|so|then|by|to|do|does|must|should|be|submitted|submit|issued|issue|done|finished|"
    r"handle|handles|in|report|reported|approve|approves|needs?|needed|one|there|any)\b|[?.!,'\s]"
)
_PRONOUN_EN = re.compile(r"\b(it|this|that|they|them|these|those)\b(?!\s+(?:is\s+)?(?:a|an|the)\b)")
_LATIN = re.compile(r"[A-Za-z]")

_SLOT_PATTERNS = [
    # 那高校呢？ 那么高校呢 还有高校呢 如果是高校呢 换成高校呢 高校的呢 高校又怎么样
    re.compile(r"^(?:那么|那|还有|如果是|要是|换成|对于|至于)?\s*(?P<x>.+?)(?:的)?(?:呢|又如何|又怎么样|怎么样|又怎样|的情况)[？?]?$"),
    re.compile(r"^(?:what|how)\s+about\s+(?:for\s+|the\s+)?(?P<x>.+?)\s*\??$", re.I),
    re.compile(r"^and\s+(?:for\s+|the\s+|what about\s+)?(?P<x>.+?)\s*\??$", re.I),
]
_ALSO_PATTERNS = [
    re.compile(r"^(?:那么|那)?\s*(?P<x>.+?)也(?:可以|能|行|适用|一样|是|有|可)(?:吗|么|吧)?[？?]?$"),
    re.compile(r"^(?:and\s+)?(?:what about\s+)?(?P<x>.+?)\s+(?:too|as well)\s*\??$", re.I),
]


@lru_cache(maxsize=1)
def _glossary():
    from .lexical import Glossary  # English phrase → policy term, shared with search

    return Glossary.default()


@lru_cache(maxsize=1)
def _compound_terms() -> tuple[str, ...]:
    """Policy terms (the tokenizer's user dictionary) that merely contain an actor word,
    like 跨企业培训中心: an actor inside one is not an actor of the question."""
    from .lexical import _resource

    terms = [line.split()[0] for line in _resource("userdict.txt").splitlines() if line.strip()]
    return tuple(t for t in terms if any(h in t for h in _ACTOR_HEADS_ZH) and not t.endswith(_ACTOR_HEADS_ZH))


# ---- finding the parts of a question -------------------------------------------------------


def _is_english(text: str) -> bool:
    return bool(_LATIN.search(text)) and not re.search(r"[\u4e00-\u9fff]", text)


def _phrase_ending_at(text: str, end: int, limit: int = 12) -> int:
    """Start of the noun phrase that ends at `end`: extend left until a boundary character."""
    start = end
    while start > 0 and end - start < limit and text[start - 1] not in _BOUNDARY_ZH:
        start -= 1
    return start


def _inside_compound(text: str, start: int, end: int) -> bool:
    for term in _compound_terms():
        at = text.find(term)
        while at >= 0:
            if at <= start and end <= at + len(term) and (at, at + len(term)) != (start, end):
                return True
            at = text.find(term, at + 1)
    return False


def _actor_zh(text: str) -> tuple[int, int] | None:
    """The first actor noun phrase (试点城市, 省级人社部门, 人力资源服务机构 …) in Chinese text."""
    heads = "|".join(sorted(map(re.escape, _ACTOR_HEADS_ZH), key=len, reverse=True))
    for m in re.finditer(heads, text):
        end = m.end()
        # 企业 in 企业家 or 城市 in 城市群: the head must end the word.
        if end < len(text) and text[end] in "家群化级里内外":
            continue
        start = _phrase_ending_at(text, m.start()) if m.start() > 0 else 0
        if not _inside_compound(text, start, end):
            return start, end
    return None


def is_actor(phrase: str) -> bool:
    """Does this short phrase name a body or a group of people (高校, 人力资源服务机构, universities)?"""
    phrase = phrase.strip()
    if _is_english(phrase):
        m = _ACTOR_EN.search(phrase.lower())
        return bool(m) and m.end() == len(phrase.lower().rstrip("?. "))
    span = _actor_zh(phrase)
    return bool(span) and span[1] == len(phrase)


def _topic_zh(question: str) -> str:
    """What a Chinese question is about: the words before its first question or modal word."""
    text = question.strip()
    for m in _TOPIC_END_ZH.finditer(text):
        if m.start() >= 2:
            return text[: m.start()].rstrip("的在对")
    # A statement-like turn with no question word is a topic as a whole.
    return text.rstrip("？?。！!")


def _topic_words_en(question: str) -> list[str]:
    """Policy phrases in an English question other than deadline/body words: its own topic."""
    aspect = re.compile(rf"^(?:{_DEADLINE_EN}|{_BODY_EN})$")
    return [m.group(1) for m in _glossary()._re.finditer(question) if not aspect.match(m.group(1))]


# Glossary phrases that are actions, not things a question can be about.
_VERBS_EN = re.compile(
    r"^(?:submit(?:ted)?|issued?|apply|promoted?|recommend|covers?|set up|establish|carr(?:y|ied|ying) out|"
    r"filed|filing|chosen|determined|selected|crack down|last|when|who|responsible|due|deadline)$"
)


def _topic_en(question: str) -> str:
    """The thing an English question is about: the last policy noun the glossary knows
    that is not an actor (an actor alone says too little: the whole question is kept then)."""
    found = [m.group(1) for m in _glossary()._re.finditer(question.lower())]
    nouns = [f for f in found if not is_actor(f) and not _VERBS_EN.match(f) and len(f) > 4]
    return nouns[-1] if nouns else ""


def _first_x(patterns, question: str) -> str | None:
    """The `x` group of the first pattern that matches the question, trimmed of commas."""
    for pattern in patterns:
        m = pattern.match(question)
        if m:
            return m.group("x").strip(" ，,")
    return None


def _is_short_phrase(x: str) -> bool:
    """A slot is a noun phrase, not a question of its own: short, no question words."""
    if not x or len(x) > (40 if _is_english(x) else 16):
        return False
    if _is_english(x):
        return not re.search(r"\b(what|which|who|when|how|why|can|could|do|does|is|are|must|should)\b", x.lower())
    return not _QUESTION_WORDS_ZH.search(x)


def _aspect_of(x: str) -> bool:
    """Is the slot a deadline or a body rather than a thing ("那截止日期呢", "what about the deadline")?"""
    if _is_english(x):
        return not _BARE_FILLER_EN.sub("", x.lower()).strip() and bool(re.search(rf"\b(?:{_DEADLINE_EN}|{_BODY_EN})\b", x.lower()))
    return bool(_ASPECT_ZH.match(re.sub(r"^(?:这个|它的|其)|的$", "", x)))


def _is_bare(question: str) -> bool:
    """A deadline or body question with no topic of its own: 截止到哪天？ 谁负责？ When is it due?"""
    if _is_english(question):
        low = question.lower()
        if len(low) > 60 or _ACTOR_EN.search(low) or _topic_words_en(low):
            return False
        return bool(re.search(rf"\b(?:{_DEADLINE_EN}|{_BODY_EN})\b", low)) and not _BARE_FILLER_EN.sub("", low).strip()
    if len(question) > 14 or not re.search(f"{_DEADLINE_ZH}|{_BODY_ZH}", question):
        return False
    return not _BARE_FILLER_ZH.sub("", question)


# ---- the rules -----------------------------------------------------------------------------


def _substitute(x: str, previous: str) -> tuple[str, str] | None:
    """Put slot X in the place of its counterpart in the previous question: (completed, rule)."""
    prev_en, x_en = _is_english(previous), _is_english(x)
    if x_en and not prev_en:
        # "What about universities?" after a Chinese question: the glossary gives the policy term.
        zh = _glossary().translate(x)
        if not zh or " " in zh:
            return None
        x = zh
    x_actor = is_actor(x)
    if x_en and x[:1].isupper() and x[1:2].islower():
        x = x[0].lower() + x[1:]  # "Universities too?" → "… can universities …"
    if prev_en:
        if not x_en:
            return None
        low = previous.lower()
        m = _ACTOR_EN.search(low) if x_actor else None
        if m is None:
            return None
        old = previous[m.start() : m.end()]
        return previous[: m.start()] + x + previous[m.end() :], f"「{x}」替换「{old}」 · {x} in place of {old}"
    if x_actor:
        span = _actor_zh(previous)
        if span is None:
            stem = previous.rstrip("？?")
            return f"对于{x}，{stem}？", f"「{x}」+ 上一问 · {x} + the previous question"
        old = previous[span[0] : span[1]]
        if old == x:
            return None
        return previous[: span[0]] + x + previous[span[1] :], f"「{x}」替换「{old}」 · {x} in place of {old}"
    # A term for a term with the same head word: 创新联合体 for 招聘用工联合体.
    head = x[-2:]
    at = previous.find(head)
    if len(x) >= 3 and at >= 0 and x not in previous:
        start = _phrase_ending_at(previous, at)
        old = previous[start : at + 2]
        return previous[:start] + x + previous[at + 2 :], f"「{x}」替换「{old}」 · {x} in place of {old}"
    return None


def _with_topic(question: str, previous: str, joiner: str = "") -> tuple[str, str] | None:
    """A bare deadline/body question asked of the previous question's topic."""
    if _is_english(question):
        # After a Chinese question the Chinese topic is used as it is: the search is bilingual.
        topic = f"the {_topic_en(previous)}" if _is_english(previous) else _topic_zh(previous)
        if topic == "the ":
            # "What must pilot cities submit?" → "When is it due?": keep the whole question.
            stem = previous.rstrip("?. ")
            return f"{stem}; {question[:1].lower()}{question[1:]}", f"接着上一问 · follows {stem}"
        if not topic:
            return None
        stem = question.rstrip("?. ")
        m = _PRONOUN_EN.search(stem.lower())
        done = stem[: m.start()] + topic + stem[m.end() :] if m else f"{stem} for {topic}"
        return done + "?", f"补上「{topic}」 · about {topic}"
    topic = _topic_zh(previous) if not _is_english(previous) else ""
    if not topic:
        return None
    body = _PRONOUN_ZH.sub("", question, count=1).lstrip("那么那的，")
    stem = previous.rstrip("？?。！! ")
    if is_actor(topic) and len(stem) > len(topic):
        # 高校在试点中有哪些任务 → 截止到哪天？: the deadline is of the tasks, not of 高校;
        # the whole previous question is kept in front.
        return f"{stem}，{body}", f"接着上一问 · follows {stem}"
    return topic + joiner + body, f"补上「{topic}」 · about {topic}"


def _determiner_en(question: str, m: re.Match) -> bool:
    """"one of those joint research setups": these/those before a word of their own name what
    they point at; the question is not about the previous one's topic."""
    following = re.match(r"\s+([a-z][a-z'-]*)", question[m.end() :])
    return m.group(1) in ("these", "those") and following is not None and following.group(1) not in ENGLISH_STOP_WORDS


def _own_antecedent_en(before: str) -> bool:
    """Enough words before the pronoun for it to refer to them ("the fastest train from Shanghai
    to Chengdu … how long does it take"), not to the previous question."""
    words = re.findall(r"[a-z][a-z'-]+", before.lower())
    return sum(w not in ENGLISH_STOP_WORDS and w not in ("what's", "whats") for w in words) >= 2


def _content_zh(text: str) -> list[str]:
    """Words of a Chinese text that carry meaning (jieba, without the question's function words)."""
    return [w for w, _ in _tokenizer().content_words(text)] if text.strip() else []


@lru_cache(maxsize=1)
def _tokenizer() -> ChineseTokenizer:
    return ChineseTokenizer()


def _pronoun(question: str, previous: str) -> tuple[str, str] | None:
    if _is_english(question):
        lowered = question.lower()
        m = next((m for m in _PRONOUN_EN.finditer(lowered) if not _determiner_en(lowered, m)), None)
        if m is None or not _is_english(previous) or _ACTOR_EN.search(lowered):
            return None
        if re.search(r"[?!.;,]", question[: m.start()]):
            return None
        if _own_antecedent_en(question[: m.start()]):
            return None
        if _topic_words_en(lowered):
            return None
        topic = _topic_en(previous)
        if not topic:
            return None
        return question[: m.start()] + f"the {topic}" + question[m.end() :], f"「{m.group(1)}」= {topic}"
    m = _PRONOUN_ZH.search(question)
    # A pronoun after an earlier clause of the same question refers to that clause ("…泄露了我的
    # 信息，一般罚它多少钱"), and one after words of its own ("市里搞这个") to what they are about.
    if m is None or _is_english(previous) or re.search(r"[？！。；，,?!;]", question[: m.start()]):
        return None
    if _content_zh(question[: m.start()]):
        return None
    topic = _topic_zh(previous)
    if not topic:
        return None
    return question[: m.start()] + topic + question[m.end() :], f"「{m.group(0)}」指「{topic}」 · {m.group(0)} = {topic}"


def _complete_one(question: str, previous: str) -> tuple[str, str] | None:
    x = _first_x(_SLOT_PATTERNS, question)
    if x is not None and _is_short_phrase(x):
        if _aspect_of(x):
            if _is_english(x):
                x = re.sub(r"^the\s+", "", x, flags=re.I)
                return _with_topic(f"What is the {x}?", previous)
            return _with_topic(f"{x}？", previous, joiner="的")
        return _substitute(x, previous)
    x = _first_x(_ALSO_PATTERNS, question)
    if x is not None and _is_short_phrase(x):
        # 高校也可以吗 → the previous question, asked of 高校; only an actor can be "also".
        done = _substitute(x, previous)
        if done is not None and "替换" in done[1]:
            return done
    if _is_bare(question):
        return _with_topic(question, previous)
    return _pronoun(question, previous)


def _normalize(text: str) -> str:
    # NFKC turns ？ into ?; inside Chinese it is put back, so completions read as typed.
    return fullwidth_punctuation(normalize_query(text))


def complete(question: str, history: Sequence[str] = ()) -> Completion:
    """Complete `question` from the earlier questions (oldest first), or return it as it stands."""
    original = question
    turns = [_normalize(str(h))[:MAX_CHARS] for h in history if h and str(h).strip()][-HISTORY_TURNS:]
    if not turns or not str(question).strip():
        return Completion(original, original, False)
    # The previous question, itself completed from the turns before it.
    previous = turns[0]
    for turn in turns[1:]:
        done = _complete_one(turn, previous)
        previous = done[0] if done else turn
    current = _normalize(str(question))
    done = _complete_one(current, previous)
    if done is None or done[0] == current or len(done[0]) > MAX_CHARS:
        return Completion(original, original, False)
    return Completion(original, done[0], True, done[1])
