"""Inputs that break parsers: odd Unicode, control characters, huge strings, nested junk."""
from hypothesis import strategies as st

ODD = st.sampled_from(["\x00", "\u202e", "\ufeff", "\ud7ff", "\U0001f525", "\u0301" * 50, "\r\n\r", "\x1e",
                       "<script>alert(1)</script>", "</passage>", "'; DROP TABLE ticket; --", "%s%n", "{{7*7}}",
                       "\\u0000", "ﷺ" * 30, "A" * 70_000, "\t" * 300, "#" * 500, "---\n", "```"])
TEXT = st.one_of(st.text(), st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=2000),
                 st.lists(st.one_of(ODD, st.text(max_size=20)), max_size=20).map("".join))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63), st.floats(), TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                    st.dictionaries(st.one_of(TEXT, st.sampled_from(
                                                        ["ticket_id", "text", "client_id", "typing", "name",
                                                         "email", "title", "body", "tags", "settings"])),
                                                        inner, max_size=6)), max_leaves=30)
