from django.core.cache import caches
from django.utils.html import escape
from django.utils.safestring import mark_safe

from home import page_holes


def test_a_hole_reads_the_same_once_escaped():
    hole = page_holes.hole("csrf")
    assert escape(hole) == hole


def test_fill_escapes_plain_values_and_keeps_rendered_html():
    page = f"<p>{page_holes.hole('name')}</p><div>{page_holes.hole('html')}</div>"
    filled = page_holes.fill(page, {"name": "<script>x</script>", "html": mark_safe("<b>ok</b>")})
    assert filled == "<p>&lt;script&gt;x&lt;/script&gt;</p><div><b>ok</b></div>"


def test_text_that_looks_like_a_hole_without_the_secret_is_left_alone():
    forged = "cx-hole-0000000000000000-csrf-"
    assert page_holes.fill(f"<p>{forged}</p>", {"csrf": "token"}) == f"<p>{forged}</p>"


def test_a_page_is_rendered_once_per_key():
    caches["fragments"].clear()
    renders = []

    def render():
        renders.append(1)
        return f"page {page_holes.hole('x')}"

    key = page_holes.page_key("scene", 1, "call")
    assert page_holes.cached_page(key, render) == page_holes.cached_page(key, render)
    assert len(renders) == 1
    assert page_holes.page_key("scene", 1, "call") != page_holes.page_key("scene", 1, "check")
