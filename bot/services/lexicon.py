"""The words the wording judge knows: which carry no concept, which are one concept, and how a word becomes its stem.

A word is lower-cased and stemmed with the Snowball English stemmer (Porter's second algorithm, as snowballstemmer
ships it): "ratings", "rated" and "rate" meet, and so do "reports", "reported" and "reporting". What the stemmer
leaves apart and a stakeholder means as one (comparatives such as "faster", business synonyms such as "clients" and
"customers") is folded by the synonym lines below.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

# Words that carry no concept: function words, filler ("we want to see..."), direction words ("more", "reduce"),
# and the names of L&D's own work ("training", "programme"), which every answer about an initiative shares.
_STOP_WORDS = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing done during each either else ever every few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just let lets me mine
more most much must my myself no nor not now of off on once only or other ought our ours ourselves out over own
per same she should so some still such than that the their theirs them themselves then there these they this
those through to too under until up upon us very via was we were what when where which while who whom why will
with within without would you your yours yourself yourselves able actually already always anything around away
back become becomes best better come comes coming currently especially everyone everybody everything fewer focus
get gets getting go goes going good great help helps instead keep keeps less like lot lots main mainly make
makes making many mean need needs new next often really right see seen something start stop sure take takes
thing things think want wants way ways well whole work working worry biggest big least matter matters priority
priorities important importantly top cut cuts reduce reduces reducing reduced lower lowers decrease decreases
shrink minimise minimize drop increase increases increasing raise raises grow grows growing boost improve
improves improving improved higher lift maximise maximize shorter shorten longer initiative initiatives training
train trained course courses programme programmes program programs learning session sessions workshop workshops
l&d ld
"""
STOP = frozenset(_STOP_WORDS.split())

# Words folded into one concept. Each line is one concept: the first word names it.
SYNONYMS = """
customer client buyer caller consumer shopper guest account-holder
employee staff colleague worker workforce people person personnel associate team teammate headcount
manager supervisor leader lead boss head
error mistake defect fault inaccuracy slip blunder
satisfaction csat happy happier happiness satisfied nps delight
attrition turnover leaving leave leaver resign resignation quit quitting churn
retention retain
incident outage breakdown failure downtime stoppage disruption
injury accident harm
release deployment deploy rollout
hire recruit recruitment onboard newcomer joiner
fast faster fastest quick quicker quickest quickly speed rapid rapidly sooner swift
store shop branch outlet
item product goods sku
waste scrap rework
month monthly
year yearly annual annually twelve-month
deal opportunity prospect
medication medicine drug dose
finish complete completion
productivity productive output throughput
handover handoff
escalation escalate
ticket issue case request query
fix resolve resolution solve
call phone
shift rota
test check verify
regular frequent routine consistent
report log record flag
unplanned unexpected unscheduled surprise
switch changeover transition swap
cost spend spending expense budget
revenue sales income
profit margin
compliance compliant regulation regulatory rule
quality standard
feedback input
conversation discussion talk chat meeting
skill capability competence
time duration
""".strip().splitlines()

NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "fifty": "50",
    "hundred": "100",
    "half": "50",
}

_WORD = re.compile(r"[a-z0-9&]+(?:'[a-z]+)?")
# A Snowball stemmer keeps the word it works on in itself: one per thread, since the web server answers on several.
_STEMMERS = threading.local()


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word; numbers and words of three letters or fewer stay as they are."""
    if word.isdigit() or len(word) <= 3:
        return word
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def _compound(word: str) -> str:
    return word.replace("-", "")


_STOP_STEMS = frozenset(stem(w) for w in STOP)
_CONCEPT: dict[str, str] = {}
for _line in SYNONYMS:
    _stems = [stem(_compound(w)) for w in _line.split()]
    for _word in _stems:
        _CONCEPT[_word] = _stems[0]


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, hyphenated words apart and "%" as a word."""
    return _WORD.findall(text.lower().replace("-", " ").replace("%", " percent "))


def fold(word: str) -> str | None:
    """The concept a word expresses, or None for a word that carries none."""
    word = word.split("'")[0]
    if word in NUMBERS:
        return NUMBERS[word]
    if word in STOP or len(word) < 2:
        return None
    stemmed = stem(word)
    if stemmed in _STOP_STEMS:
        return None
    return _CONCEPT.get(stemmed, stemmed)
