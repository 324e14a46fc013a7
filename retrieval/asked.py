"""What kind of thing a question asks for, and whether a piece of text states one.

Shared by abstention (a clause that holds no amount cannot answer "how much money")
and answer selection (prefer the sentence that holds the asked date, count or body).
The patterns describe question forms in Chinese and English, not particular questions.
"""

from __future__ import annotations

import re
from enum import Enum

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .terms import is_mostly_verb


class Asked(str, Enum):
    MONEY = "money"  # an amount of money, a subsidy, a rate or a size
    DATE = "date"
    COUNT = "count"
    AMOUNT = "amount"  # "X是多少" with no counting unit: some figure
    REFERENCE = "reference"  # a document's reference number (文号: 人社部发〔2025〕27号)
    CONTACT = "contact"  # a phone number, an e-mail or web address, a street address
    NAMES = "names"  # a list of particular cities, firms or institutions (名单)
    BODY = "body"  # who: a ministry, department, body
    SANCTION = "sanction"  # a penalty or what follows a failure: a fine, losing a status, a reprimand
    OTHER = "other"


# The thing an English question asks for: the noun after "what / which / how much / how many",
# i.e. the last of the content words that follow it ("which older rule" → rule).
# "What is / what's the X" asks for X as well: the copula and an article are skipped.
_EN_FOCUS = re.compile(
    r"(?:\b(?:what|which|how much|how many)(?P<copula>'s|'re|\s+is|\s+are|\s+was|\s+were)?|(?:^|[.?!;]\s+)\s*(?:is|are) there(?:\s+going to be)?)\s+"
    r"(?P<article>(?:the|a|an|its|their|this|these|those|any|some)\s+)?"
    r"(?:kinds? of |types? of |sorts? of )?(?P<words>(?:[a-z][a-z\-']*\s*){1,4})",
    re.I,
)
_NOT_A_FOCUS = frozenset("do does did is are was were can could will would should must may might has have had".split())


def english_focus(question: str) -> str | None:
    """The head noun of what an English question asks for ("What's the application fee…" → fee)."""
    m = _EN_FOCUS.search(question)
    if m is None:
        return None
    words = m.group("words").lower().split()
    if words and not m.group("article") and _asks_what_happens(words, bool(m.group("copula"))):
        return None
    return _head(words)


# In Chinese the thing asked for sits right before the question ("评分权重分别是多少", "标准是怎么定的")
# or right after "有没有" ("有没有统一的模板").
_ZH_ASKED_AFTER = re.compile(r"^(?:分别|具体|到底|一般)?(?:是多少|有多少|要求多少|是怎么|怎么|如何|是什么|是啥|是哪些|有哪些|是几)")
_ZH_ASKED_BEFORE = re.compile(r"(?:有没有|有无|是否有)(?:[\u4e00-\u9fff]{1,2}的)?$")


def chinese_focus(question: str, words: tuple[str, ...]) -> str | None:
    """What a Chinese question asks for, when it is made of `words` (nouns of the question): the word
    right before the question or after 有没有, with the words of `words` written just before it
    (最低工资 + 标准 → 最低工资标准). A word naming a kind of value (期限, 数量) asks for a value a
    clause must state, not for a topic: it is never the focus."""
    for word in words:
        if asked(word) is not Asked.OTHER:
            continue
        at = question.find(word)
        if at >= 0 and (_ZH_ASKED_AFTER.match(question[at + len(word) :]) or _ZH_ASKED_BEFORE.search(question[:at])):
            start = at
            while before := next((w for w in words if question[:start].endswith(w)), None):
                start -= len(before)
            return question[start : at + len(word)]
    return None


def _head(words: list[str]) -> str | None:
    """The last word of the noun phrase `words` opens."""
    run: list[str] = []
    for i, word in enumerate(words):
        if _closes_phrase(word):
            break
        if run and is_mostly_verb(word, share=1.0):
            # A word the dictionary only ever uses as a verb is the verb of the noun before it
            # ("Which cities qualify for…"), not a noun of the phrase.
            break
        if run and _participle(word):
            # A participle closes the noun phrase ("the provincial government expected to do"),
            # unless a noun follows it that it modifies ("shady hiring practices").
            after = words[i + 1] if i + 1 < len(words) else ""
            if not after or _closes_phrase(after) or _participle(after):
                break
        run.append(word)
    return run[-1] if run else None


# Past participles that do not end in -ed ("the pilot meant to produce", "the plan sent to…").
_IRREGULAR_PARTICIPLES = frozenset(
    "meant made built given taken paid held sent told set put brought kept left found known shown seen done "
    "gone chosen written drawn run won begun spent lent bought sought taught thought understood".split()
)


def _participle(word: str) -> bool:
    return word.endswith(("ed", "ing")) or word in _IRREGULAR_PARTICIPLES


def _closes_phrase(word: str) -> bool:
    return word in _NOT_A_FOCUS or word in ENGLISH_STOP_WORDS


def _asks_what_happens(words: list[str], copula: bool) -> bool:
    """"What happens to…", "what's supposed to…", "what counts as…": "what" is the subject of a verb,
    not a determiner of a noun. A noun after "what" is followed by its verb ("What rent do…")."""
    first, after = words[0], words[1] if len(words) > 1 else ""
    if first.endswith("ed"):
        return True
    return not copula and is_mostly_verb(first) and after not in _NOT_A_FOCUS


# Nouns that ask for money when they are the thing asked for ("What corporate income tax rate…").
_MONEY_FOCUS = frozenset("fee fees salary salaries wage wages pay price prices cost costs rent budget rate rates tax subsidy grant".split())
# A yes/no question asks whether ("要不要公示监督电话？", "也必须公示…电话吗？"), not for the number;
# one that asks whether there is one ("有没有咨询电话？", "Is there a hotline?") asks for it.
_Q_EXISTS = re.compile(r"有没有|有无|是否有|有[^，,。？?！!没]{1,10}[吗么]|^\s*(?:is|are) there\b|\bany\b", re.I)
_Q_MONEY = re.compile(
    r"多少钱|多少元|几元|多少万|几万|多少亿|几亿|金额|额度|标准是多少|费用是多少|多少[\u4e00-\u9fff]{0,4}(?:资金|经费|费用|补[助贴]|奖[励补])|(?:交|付|缴|花)多少|(?:规模|金额|额度)有?多大|多大(?:规模|金额)|"
    r"补[助贴]多少|资助多少|减免多少|(?:能|可以?)?(?:拿|领|给|补|减|免|贴)[到了]?多少|比例是多少|税率|规模.{0,4}多少|几个点|多少个点|几个百分点|百分之几|"
    r"\bhow much (?:money|funding|subsidy|grant|rent|tax|does|do|is|will|can)\b|\bwhat (?:is|'s) the (?:amount|rate|budget|size)\b|"
    r"\bhow much\b|\bin (?:yuan|rmb|cny|renminbi)\b",
    re.I,
)
_Q_DATE = re.compile(
    r"什么时候|何时|截止|期限|日期|哪天|几月|哪一天|哪年|几号|多久|时间节点|什么时间|\bdeadline\b|\bwhen\b|\bdue\b|\bdate\b|\bhow long\b|"
    r"\btime ?(?:line|table|frame)s?\b|\bschedule\b|\bduration\b|\bcut-?off\b|\bmilestones?\b",
    re.I,
)
_Q_COUNT = re.compile(r"多少个(?!点)|几个(?!点|百分点)|几家|几类|几项|多少家|多少人|多少所|几年|多少年|数量|\bhow many\b", re.I)
_Q_AMOUNT = re.compile(
    r"(?:是|为|有|要)多少(?![个家人项类所年天])|多少(?:钱|元)?(?:[？?]|$)|\bwhat (?:is|'s) the (?:number|figure)\b|"
    r"\b(?:cap|caps|ceiling|maximum|minimum)\b",
    re.I,
)
_Q_REFERENCE = re.compile(r"文号|字号|发文号|\b(?:document|reference|file) (?:number|no)\b", re.I)
_Q_CONTACT = re.compile(
    r"电话|联系方式|邮箱|电子邮件|网址|网站|热线|地址在|地址是|什么地址|哪个系统|哪个平台上|"
    r"\b(?:contact details|(?:contact\s+)?(?:phone|telephone|e-?mail|website|web site|url|hotline|(?:postal|street|office|mailing) address|(?:web|online) portal))"
    r"(?:\s+(?:numbers?|address(?:es)?|lines?))?\b",
    re.I,
)
# A penalty asked for: 会不会被取消资格, 要受什么处分, "What is the fine for…", "any penalty".
_Q_SANCTION = re.compile(
    r"处罚|罚款|罚金|罚多少|罚钱|取消[^，。？?]{0,4}资格|摘牌|问责|追责|追究[^，。？?]{0,4}责任|通报批评|处分|惩罚|惩戒|吊销|什么后果|"
    r"\b(?:the|a|any)\s+fines?\b|\bfined\b|\bpenalt(?:y|ies)\b|\bsanction(?:s|ed)?\b|\bpunish|\bdisqualif|\brevok|\bconsequences?\b",
    re.I,
)
_Q_NAMES = re.compile(r"名单|名录|\b(?:list|names) of\b", re.I)
# "能把名单列一下吗？" is a request, though it ends like a yes/no question.
_Q_REQUEST = re.compile(r"(?:给|列|发|提供)[^。？?]{0,8}(?:名单|名录|一下)|\b(?:can|could) you (?:list|give|name|share)\b", re.I)
_Q_BODY = re.compile(
    r"谁|哪个部门|哪些部门|哪一级|哪级|哪个单位|由哪|哪家单位|\bwho\b|\bwhich (?:department|ministr|bod|agenc|authorit)",
    re.I,
)

_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|[万亿]元|\d+(?:\.\d+)?\s*%|百分之")
_DATE = re.compile(
    r"\d{4}年(?:\d{1,2}月)?|\d{1,2}月\d{1,2}日|\d{1,2}月底|[一二两三四五]年|\d{4}\s*[至到-]\s*\d{4}|"
    # a period, the answer to 多久 / how long: 十五日内, 20个工作日, 三个月
    r"[\d一二两三四五六七八九十百]+\s*个?(?:工作日|日|天|周|星期|个月)"
)
_COUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?[个家人名位项类所年]|[一二三四五六七八九十两百千万]+[个家类项大年人名位]")
_BODY = re.compile(r"部|厅|局|委|政府|部门|城市|机构|联|企业|高校|院所|主体")
# Three or more named cities, counties, firms or institutions in a row: a list of names.
_NAME = r"[\u4e00-\u9fff]{2,8}(?:市|县|公司|集团|大学|学院)"
_NAMES = re.compile(rf"{_NAME}(?:\s*[、，,和及与]\s*{_NAME}){{2,}}")
# A clause that lays down a penalty.
_SANCTION = re.compile(r"处罚|罚款|罚金|处以|没收|吊销|撤销|责令|问责|追究[^，。]{0,8}责任|通报批评|处分|惩戒|取消[^，。]{0,6}资格|摘牌")
_REFERENCE = re.compile(r"[〔\[（(]\s*\d{4}\s*[〕\]）)]\s*\d+\s*号")
_CONTACT = re.compile(
    r"\d{3,4}[-－]\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|\b400[-－]?\d{3}[-－]?\d{4}|[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\.|"
    r"\.gov\.cn|\.com\b|地址[:：]|电话[:：]|邮箱[:：]"
)
# A figure; a year or a day (2025年, 9月底, 16日) is a date, not an amount.
_AMOUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]|\s*[年月日号])|[一二三四五六七八九十两百千]+[个家人项类所万亿元倍]")
# What a text must hold to give a value of each kind.
_VALUE = {
    Asked.MONEY: _MONEY,
    Asked.DATE: _DATE,
    Asked.COUNT: _COUNT,
    Asked.BODY: _BODY,
    Asked.AMOUNT: _AMOUNT,
    Asked.REFERENCE: _REFERENCE,
    Asked.CONTACT: _CONTACT,
    Asked.NAMES: _NAMES,
    Asked.SANCTION: _SANCTION,
}


_YES_NO = re.compile(
    r"是不是|能不能|可不可以|会不会|要不要|有没有|是否|能否|可否|算不算|[吗吧][？?！!。\s]*$|"
    r"^\s*(?:is|are|does|do|can|could|will|would|should|must|has|have|may)\b",
    re.I,
)


# The question forms of each kind, in the order asked() tries them: the first that matches wins.
_KIND_FORMS = {
    Asked.REFERENCE: _Q_REFERENCE, Asked.MONEY: _Q_MONEY, Asked.COUNT: _Q_COUNT, Asked.SANCTION: _Q_SANCTION,
    Asked.DATE: _Q_DATE, Asked.CONTACT: _Q_CONTACT, Asked.NAMES: _Q_NAMES, Asked.AMOUNT: _Q_AMOUNT, Asked.BODY: _Q_BODY,
}


def is_yes_no(question: str) -> bool:
    """A question answered by yes or no (是不是…, …吗？, "Does …?")."""
    return bool(_YES_NO.search(question.strip()))


def asked(question: str) -> Asked:
    """The kind of answer a question wants; OTHER when its form does not say."""
    for kind, form in _KIND_FORMS.items():
        if kind is Asked.MONEY:
            # A money noun asked for asks for money too ("What rent…"); "how many yuan" counts.
            if (form.search(question) or english_focus(question) in _MONEY_FOCUS) and not _Q_COUNT.search(question):
                return kind
        elif form.search(question):
            return kind
    return Asked.OTHER


def kind_phrase(kind: Asked, question: str) -> str:
    """The words of a question that name the kind of value it asks for ("phone number", "office
    address", "罚款"), lower-cased: what is asked for, not a topic the documents speak about."""
    pattern = _KIND_FORMS.get(kind)
    return " ".join(m.group(0) for m in pattern.finditer(question)).lower() if pattern else ""


def names_kind(word: str, kind: Asked) -> bool:
    """Whether a question's word is the name of the kind of value it asks for ("deadline", "timeline":
    a date): not a topic the documents must speak of, but a value a clause must state."""
    return kind is not Asked.OTHER and asked(word) is kind


# An item's own number (2.强化金融支持, （三）, 一、) is not a figure the item states.
_ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.、．](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")


def states(kind: Asked, text: str) -> bool:
    """Whether `text` holds a value of the asked kind (OTHER: always)."""
    text = _ITEM_NUMBER.sub("", text)
    if kind is Asked.REFERENCE:
        return any(not _cited(text, m.start()) for m in _REFERENCE.finditer(text))
    pattern = _VALUE.get(kind)
    return pattern is None or bool(pattern.search(text))


_CITATION_OPEN = re.compile(r"》\s*[（(][^）)]*$")


def _cited(text: str, at: int) -> bool:
    """A number in brackets right after a 《title》 is the number of the document cited there
    (按照《…意见》（人社部发〔2024〕86号）), not of the text's own document."""
    return bool(_CITATION_OPEN.search(text[max(0, at - 20) : at]))


_ASKED_UNIT = re.compile(r"(?:多少|几)\s*([个家年人天项类条所万亿])")
# "多少个城市 / 多少家机构": a number is the answer. "几家" also means "a few" (上下游几家厂子),
# and "哪几类" asks for a list.
# 有效期几年 / 几个工作日 ask for a number too; 近几年 does not.
_NUMBER_ASKED = re.compile(
    r"多少\s*[个家年人天所]|(?<![近这前后])几\s*(?:年|天|个月|个工作日)|"
    # "最多能推几个城市": a bound asks for a number, though 几个 alone can mean "a few"
    r"(?:最多|最少|至少|一共|总共)[^，。？?]{0,8}几\s*[个家名所项]|\bhow many\b",
    re.I,
)


def states_count(question: str, text: str) -> bool:
    """A count in the unit the question asks for (多少个 → N个); a year is not a count."""
    text = _ITEM_NUMBER.sub("", text)
    unit = _ASKED_UNIT.search(question)
    if unit:
        u = unit.group(1)
        if u == "年":
            return bool(re.search(r"(?<!\d)\d{1,2}\s*年|[一二三四五两]年|\d{4}\s*[至到-]\s*\d{4}", text))
        u = "[人名位]" if u == "人" else u  # people are counted in 名 and 位 too
        return bool(re.search(rf"\d+(\.\d+)?\s*[万亿]?{u}|[一二三四五六七八九十两百千万]+{u}", text))
    return states(Asked.COUNT, text)


# The thing a count question counts: 多少个试点城市 → 试点城市; "how many pilot cities" → pilot cities.
_COUNTED_ZH = re.compile(r"(?:多少|几)\s*[个家所名位项类条]\s*([\u4e00-\u9fff]{2,6})")
_COUNTED_EN = re.compile(r"\bhow many\s+((?:[a-z][a-z\-]*\s+){0,2}[a-z][a-z\-]*)", re.I)
_NUMBER = r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十两百千]+)\s*[万亿]?[个家所名位项类条人]"


def counted(question: str) -> tuple[str, ...]:
    """The words naming what a "how many" question counts: Chinese as written, English words to translate."""
    if m := _COUNTED_ZH.search(question):
        return (m.group(1),)
    if m := _COUNTED_EN.search(question):
        return tuple(m.group(1).lower().split())
    return ()


def counts(forms: tuple[str, ...], text: str) -> bool:
    """Whether `text` counts one of `forms`: a number with its unit next to the word (39个试点城市, 机构达7.4万家)."""
    for form in forms:
        f = re.escape(form)
        if re.search(rf"{_NUMBER}[^，。；,;]{{0,6}}{f}|{f}[^，。；,;]{{0,6}}?{_NUMBER}", text):
            return True
    return False


def must_state(kind: Asked, question: str) -> bool:
    """Whether only a clause that gives a figure of this kind can answer the question at all."""
    if kind in (Asked.CONTACT, Asked.NAMES):
        # "没进名单的城市能不能自己探索？" asks a rule; "名单里有没有无锡？" and "能把名单列一下吗？" ask for names.
        return not is_yes_no(question) or bool(_Q_EXISTS.search(question) or _Q_REQUEST.search(question))
    return kind in (Asked.MONEY, Asked.AMOUNT, Asked.SANCTION) or (kind is Asked.COUNT and bool(_NUMBER_ASKED.search(question)))


def gives(kind: Asked, question: str, text: str) -> bool:
    """Whether `text` gives the value the question asks for (a count in the asked unit)."""
    return states_count(question, text) if kind is Asked.COUNT else states(kind, text)


ASKED_LABEL_ZH = {
    Asked.MONEY: "具体金额或标准",
    Asked.AMOUNT: "具体数额",
    Asked.DATE: "时间",
    Asked.COUNT: "数量",
    Asked.BODY: "责任主体",
    Asked.REFERENCE: "文号",
    Asked.CONTACT: "联系方式",
    Asked.NAMES: "具体名单",
    Asked.SANCTION: "处罚或后果",
}
ASKED_LABEL_EN = {
    Asked.MONEY: "an amount or rate",
    Asked.AMOUNT: "a figure",
    Asked.DATE: "a date",
    Asked.COUNT: "a number",
    Asked.BODY: "who is responsible",
    Asked.REFERENCE: "a document number",
    Asked.CONTACT: "contact details",
    Asked.NAMES: "a list of names",
    Asked.SANCTION: "a penalty or consequence",
}

