"""Putting real values back into a streamed cloud answer: however the answer is cut into tokens,
the customer gets the same text as when the whole answer is restored at once."""
from hypothesis import given
from hypothesis import strategies as st

from appliance.redaction import Pseudonyms
from tests.fuzz.strategies import TEXT

PIECES = st.sampled_from(["[EMAIL_1]", "[EMAIL_2]", "[", "]", "[NAME_1", "_1]", "[ORDER 1]", "[email]", "[PHONE-1]",
                          "[NAME_12345]", "x", " ", "[1]", "[[", "]]"])
ANSWER = st.lists(st.one_of(PIECES, TEXT), max_size=20).map("".join)


@given(sent=TEXT, answer=ANSWER, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_restoring_a_stream_equals_restoring_the_whole_answer(sent, answer, cuts):
    pseudonyms = Pseudonyms(["Kari Nordmann"])
    pseudonyms.redact(f"{sent} Kari Nordmann kari@x.io order #55123 +47 912 34 567")
    bounds = sorted({0, len(answer), *(c for c in cuts if c < len(answer))})
    tokens = [answer[a:b] for a, b in zip(bounds, bounds[1:])]
    assert "".join(pseudonyms.restore_stream(iter(tokens))) == pseudonyms.restore(answer)
