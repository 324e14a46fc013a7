"""The escaping helpers every page relies on to show user and document text literally."""

from __future__ import annotations

from ui.text import escape_markdown, find_all, highlight_html, merge_spans


def test_highlight_escapes_html_and_marks_spans():
    out = highlight_html("<script>x</script>试点周期", [(18, 22)])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.endswith('<mark class="pqa-mark">试点周期</mark>')
    assert "\n" not in highlight_html("a\n\nb", [])  # no blank line that would end the HTML block


def test_spans_are_clipped_and_merged():
    assert merge_spans([(5, 9), (-3, 2), (8, 12), (40, 50)], 20) == [(0, 2), (5, 12)]
    assert find_all("Abc abc ABC", "abc") == [(0, 3), (4, 7), (8, 11)]
    assert find_all("abc", "") == []


def test_markdown_escape_neutralises_links_images_and_directives():
    text = "![x](http://e/x.png) [a](b) :red[hi] $x$ **b**"
    escaped = escape_markdown(text)
    for raw in ("![", "](", ":red[", "$x$", "**"):
        assert raw not in escaped
