"""Emails found in a customer's message, also in odd spellings, and in one pass over long input."""
import pytest

from appliance.ai.analysis import extract_entities


@pytest.mark.parametrize("text, emails", [
    (".kari@x.com and -+bob.smith@shop.co.uk, x@y", ["kari@x.com", "bob.smith@shop.co.uk"]),
    ("mail: a.b+c@d-e.fg.hi.", ["a.b+c@d-e.fg.hi"]),
    ("..@x.com a@b.c@d.e", ["a@b.c"]),
    ("é.ü@ß.de or --a--@b.c", ["é.ü@ß.de", "a--@b.c"]),
    ("no address here, just a.b.c and @home", []),
])
def test_emails(text, emails):
    assert extract_entities(text).get("emails", []) == emails


def test_a_long_run_without_an_address_is_read_in_one_pass():
    """Regression: every position of a run like "a.b.a.b…" was tried to its end (quadratic); a
    regression makes this test crawl."""
    assert extract_entities("a.b" * 100_000 + " kari@x.com")["emails"] == ["kari@x.com"]
