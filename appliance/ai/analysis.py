"""What a customer's message is: small talk, a goodbye, a request for a person or for a booking (which
the KB cannot make), or a question for the KB,
and which entities (emails, order numbers, phones, dates) it mentions."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_GREETING = re.compile(
    r"^(hi+|hello+|hey+|hiya|howdy|yo|good (morning|afternoon|evening|day)|greetings|hallo|bonjour|hola)"
    r"( there| all| team| guys| folks)?[\s!.,:)]*$", re.I)
_THANKS = re.compile(
    r"^((ok(ay)?|great|perfect|awesome|cool|brilliant|super|nice|got it)[\s,!.]*)?"
    r"(thanks?( you)?( so much| a lot| very much)?|thx|ty|cheers|many thanks|much appreciated)"
    r"([\s,!.]+(that|this|it) (helps|helped|worked))?[\s!.,:)]*$", re.I)
_HUMAN = re.compile(
    r"\b((talk|speak|chat|connect me|put me through|transfer me)\s+(to|with)\s+(a |an |some |your )?"
    r"(human|person|real person|real human|agent|operator|representative|rep|someone|somebody|staff|manager)"
    r"|(human|real person|live agent|operator|representative)\s*(please|pls|now)"
    r"|\b(?<!do )(?<!can )(?<!will )(?<!would )(?<!should )(?<!must )"  # "Do I need a person to sign?" asks
    r"(i\s+(want|need|would like|'d like)\s+(a |an |to talk to a |to speak to a )?(human|person|agent|operator))"
    r"|\b(need|want)\s+(a |an |to talk to a |to speak to a |to speak with a |to talk with a )?"
    r"(human|real person|live agent|real agent|operator)\b"
    r"|\bnot a (bot|robot|machine)\b)", re.I)
# The customer ends the conversation ("No, that's all, thanks", "Have a good day, bye!").
_CLOSING = re.compile(
    r"^(?:(?:no|nope|ok(?:ay)?|great|perfect|thanks?(?: you)?(?: so much| very much| much)?)[\s,!.]*)*"
    r"(?:(?:that|this|it)(?:'s| is| will be| should be| was)(?: be)? (?:all|everything|it)\b"
    r"|that (?:about |should |will )?(?:does|do) it\b"
    r"|(?:i'?m|i am|we'?re|we are) (?:all set|done|good)\b|(?:there'?s |there is )?nothing (?:else|more)\b"
    r"|no,? that'?s (?:it|all)\b|(?:good)?bye\b|have a (?:good|great|nice) (?:day|night|one|evening)\b)", re.I)
# What may follow that opening in a goodbye: more pleasantries, nothing with content of its own
# ("That's all I needed today, thanks, bye!" is a goodbye; "It's all broken after the update" or
# "I'm done with this, my order never arrived" is not).
_CLOSING_WORDS = frozenset(
    "i we i've i'd need needed wanted for me us now today tonight the day moment your help all thanks thank "
    "you so much very a lot again thx cheers bye goodbye see take care have good great nice wonderful one "
    "evening weekend night too then appreciate it appreciated information info really ok okay perfect "
    "and that's that is everything no nope".split())
# The customer asks for something to be done that only a person (or a booking system) can do: make a
# booking or reservation ("Can you book me a room for two nights?"). Asking how to book is a question.
# A question about booking ("Do I need to book in advance?", "How do I book a room?") is for the KB.
_ASKS_ABOUT = re.compile(r"^\W*(?:how|what|when|where|why|which|who|is|are|do|does|did|should|must|am|was|were)\b",
                         re.I)
_BOOKING = re.compile(
    r"\b(?:(?:can|could|would|will) you (?:please |also |go ahead and |just )?"
    r"(?:book|reserve|make (?:me )?(?:a |the )?(?:booking|reservation))\b"
    r"|(?:please|go ahead and|i'?d like to|i would like to|i want to|i need to|let'?s)\s+"
    r"(?:book|reserve|make (?:a |the )?(?:booking|reservation))\b"
    r"|(?:can|could|may) (?:i|we) (?:make|get|have) (?:a |the )?(?:booking|reservation) for\b"
    r"|(?:i|we) (?:need|want|would like|'d like) (?:a |the |to make a )?(?:booking|reservation)s?(?: for\b|[\s.!]*$)"
    r"|(?:^|[,.!;]\s*|\b(?:yes|ok(?:ay)?|please|then|just|and)\s+)book (?:it|that|them|me|us|one|a table|a room)\b)",
    re.I)

# Starts only where a run of address characters starts (a lookbehind), so a long run without an
# address is scanned once, not from each of its positions (that was quadratic).
_EMAIL = re.compile(r"(?<![\w.+-])[.+-]*\b(?P<address>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)\b")
_ORDER = re.compile(r"(?:\b(?:order|invoice|inv|ref|reference|ticket|booking|tracking)\b\s*(?:no\.?|number|nr|#|:)?\s*"
                    r"|#)([A-Z0-9][A-Z0-9-]{3,20})\b", re.I)
_PHONE = re.compile(r"(?<![\w+])(\+?\d[\d\s().-]{7,17}\d)(?!\w)")
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|"
    r"\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(\s+\d{4})?|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?(,?\s+\d{4})?)\b", re.I)


@dataclass
class Analysis:
    kind: str                      # "greeting", "thanks", "closing", "booking", "human", "question"
    entities: dict[str, list[str]] = field(default_factory=dict)

    @property
    def needs_kb(self) -> bool:
        return self.kind == "question"


def extract_entities(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def add(kind: str, value: str) -> None:
        value = value.strip()
        if value and value not in found.setdefault(kind, []):
            found[kind].append(value)

    emails = [m.group("address") for m in _EMAIL.finditer(text)]
    for email in emails:
        add("emails", email)
    without_emails = _EMAIL.sub(" ", text)
    dates = [m.group(0) for m in _DATE.finditer(without_emails)]
    for date in dates:
        add("dates", date)
    without_dates = _DATE.sub(" ", without_emails)
    for match in _ORDER.finditer(without_dates):
        if any(ch.isdigit() for ch in match.group(1)):
            add("order_numbers", match.group(1))
    for match in _PHONE.finditer(_ORDER.sub(" ", without_dates)):
        digits = re.sub(r"\D", "", match.group(1))
        if 8 <= len(digits) <= 15:
            add("phones", match.group(1))
    return {k: v for k, v in found.items() if v}


def _is_closing(text: str) -> bool:
    opening = _CLOSING.match(text)
    if opening is None or "?" in text:
        return False
    rest = re.findall(r"[a-z']+", text[opening.end():].lower())
    return len(rest) <= 12 and all(word in _CLOSING_WORDS for word in rest)


def analyse(text: str) -> Analysis:
    stripped = text.strip()
    if _HUMAN.search(stripped):
        kind = "human"
    elif _GREETING.match(stripped):
        kind = "greeting"
    elif _THANKS.match(stripped):
        kind = "thanks"
    elif _is_closing(stripped):
        kind = "closing"
    elif _BOOKING.search(stripped) and not _ASKS_ABOUT.match(stripped):
        kind = "booking"
    else:
        kind = "question"
    return Analysis(kind, extract_entities(text))
