"""Markdown as the plain text a customer reads, without changing the facts it states."""
import pytest

from appliance.llm.plaintext import plain_text


@pytest.mark.parametrize("markdown, text", [
    ("**Refunds** take *5 business days*.", "Refunds take 5 business days."),
    ("See [our returns page](https://shop.test/returns) or <https://shop.test/faq>.",
     "See our returns page (https://shop.test/returns) or https://shop.test/faq."),
    ("To return:\n\n1. Open **Orders**\n2. Choose Return\n   - keep the box",
     "To return:\n\n1. Open Orders\n2. Choose Return\n  • keep the box"),
    ("## Shipping\nDelivery takes 3 days.", "Shipping\n\nDelivery takes 3 days."),
    # marks that are part of the text, in articles that were never meant as Markdown
    ("The frame bolts are 2*4*1 cm.", "The frame bolts are 2*4*1 cm."),
    ("Override __init__ in the class.", "Override __init__ in the class."),
    ("Opening hours\nMon-Fri 9-18\nSat 10-16", "Opening hours\nMon-Fri 9-18\nSat 10-16"),
])
def test_marks_go_and_facts_stay(markdown, text):
    assert plain_text(markdown) == text
