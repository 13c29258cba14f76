"""Personal data becomes typed placeholders before anything goes to the cloud."""
import pytest

from appliance.redaction import luhn_ok, redact


@pytest.mark.parametrize("text, expected", [
    ("mail me at kari.nordmann+shop@example.co.uk please", "mail me at [EMAIL] please"),
    ("Ring +47 22 33 44 55 or (555) 123-4567", "Ring [PHONE] or [PHONE]"),
    ("call 0047 912 34 567 after 5", "call [PHONE] after 5"),
    ("my card is 4111 1111 1111 1111!", "my card is [CARD]!"),
    ("card 5500-0000-0000-0004 expired", "card [CARD] expired"),
    ("Order #12345 never came", "Order #[ORDER] never came"),
    ("order no. A-77812 and invoice INV-2024-001", "order no. [ORDER] and invoice [ORDER]"),
    ("see ORD-55512 and #99812", "see [ORDER] and [ORDER]"),
    ("reference: 88123X is wrong", "reference: [ORDER] is wrong"),
])
def test_each_kind_is_replaced(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "What is your order status?",          # a word after "order", not a number
    "See the reference guide for sizes",
    "I bought 3 bikes for 120 euros in 2024",
    "Delivered on 2024-05-01 or 12.05.2024",
    "Is 4111 1111 1111 1112 a card?",      # fails the Luhn check: not card-like, too long for a phone
    "Version 1.2.3 of the app",
])
def test_ordinary_text_is_left_alone(text):
    result = redact(text)
    assert result.text == text and not result.changed


def test_names_the_ticket_knows_full_and_parts():
    names = ["Kari Nordmann", "Will Smith"]
    result = redact("Hi, I'm KARI NORDMANN. Will said Kari should ask Smith; they will call.", names)
    assert result.text == "Hi, I'm [NAME]. [NAME] said [NAME] should ask [NAME]; they will call."
    assert result.counts["NAME"] == 4


def test_counts_by_kind_and_names_within_words_untouched():
    result = redact("Anna (anna@x.io, +1 415 555 0100) wrote about Annabel's order #4455", ["Anna"])
    assert result.text == "[NAME] ([EMAIL], [PHONE]) wrote about Annabel's order #[ORDER]"
    assert dict(result.counts) == {"EMAIL": 1, "PHONE": 1, "ORDER": 1, "NAME": 1}


def test_empty_and_short_names_are_ignored():
    assert redact("Hello there A", ["", "A", "  "]).text == "Hello there A"


@pytest.mark.parametrize("number, ok", [("4111111111111111", True), ("79927398713", True), ("4111111111111112", False),
                                        ("378282246310005", True)])
def test_luhn(number, ok):
    assert luhn_ok(number) is ok
