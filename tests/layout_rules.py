"""What a printed page must never do, read from WeasyPrint's laid-out boxes.

`page_problems(document)` lists, for one laid-out handout (pipeline.render.lay_out):
- text outside its page (anything cut off at the paper's edge, the footer included);
- a page more than half empty, except the last;
- a heading alone at the foot of a page;
- a list split so that one item stands alone on a page;
- a paragraph or list item split so that one line stands alone on a page;
- a phone number or a clock time broken across two lines.
"""

from __future__ import annotations

from collections import defaultdict

from weasyprint.formatting_structure import boxes

HEADINGS = {"h1", "h2", "h3"}
UNBROKEN = {"phone", "clock"}  # classes of runs that must stay on one line
MIN_FILL = 0.5                 # a page other than the last is at least half full


def _walk(box, ancestors=()):
    yield box, ancestors
    if isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _walk(child, (*ancestors, box))


def _nearest(ancestors, tags):
    """The nearest ancestor box whose element is one of `tags`."""
    return next((b for b in reversed(ancestors) if b.element_tag in tags), None)


def _has_text(box) -> bool:
    return any(isinstance(b, boxes.TextBox) and b.text.strip() for b, _ in _walk(box))


def page_problems(document) -> list[str]:
    problems: list[str] = []
    list_pages: dict = defaultdict(lambda: defaultdict(set))   # list -> page -> its items
    block_pages: dict = defaultdict(lambda: defaultdict(int))  # block -> page -> its lines
    pages = document.pages
    for number, page in enumerate(pages, 1):
        box = page._page_box
        width, height = box.margin_width(), box.margin_height()
        top, bottom = box.margin_top, height - box.margin_bottom
        lines = []  # (top, bottom, ancestors) of each line of the page's own flow
        for child, ancestors in _walk(box):
            if isinstance(child, boxes.TextBox) and child.text.strip():
                _check_inside(child, width, height, number, problems)
                _check_unbroken(child, ancestors, number, problems)
            # The footer is in the page margin; a table's header row repeats on each page.
            repeated = any(isinstance(a, boxes.MarginBox) or a.element_tag == "thead"
                           for a in ancestors)
            if not isinstance(child, boxes.LineBox) or repeated or not _has_text(child):
                continue
            lines.append((child.position_y, child.position_y + child.height, ancestors))
            block_pages[id(ancestors[-1].element)][number] += 1
            li = _nearest(ancestors, {"li"})
            owner = li and _nearest(ancestors[:ancestors.index(li)], {"ul", "ol"})
            if owner is not None:
                list_pages[id(owner.element)][number].add(id(li.element))
        if not lines:
            problems.append(f"page {number}: no text")
            continue
        fill = (max(b for _, b, _ in lines) - top) / (bottom - top)
        if number < len(pages) and fill < MIN_FILL:
            problems.append(f"page {number}: only {fill:.0%} full")
        last = max(lines, key=lambda line: line[1])
        if number < len(pages) and _nearest(last[2], HEADINGS) is not None:
            problems.append(f"page {number}: a heading alone at the foot of the page")
    for per_page in list_pages.values():
        counts = {p: len(items) for p, items in per_page.items()}
        if len(counts) > 1 and 1 in counts.values():
            problems.append(f"pages {sorted(counts)}: a list split with one item alone "
                            f"({counts})")
    for per_page in block_pages.values():
        if len(per_page) > 1 and 1 in per_page.values():
            problems.append(f"pages {sorted(per_page)}: a line alone ({dict(per_page)})")
    return problems


def _check_inside(text_box, width, height, number, problems) -> None:
    x, y = text_box.position_x, text_box.position_y
    if x < -0.5 or y < -0.5 or x + text_box.width > width + 0.5 \
            or y + text_box.height > height + 0.5:
        problems.append(f"page {number}: {text_box.text[:30]!r} runs off the page")


def _check_unbroken(text_box, ancestors, number, problems) -> None:
    """A phone number or a clock time is one piece of text, on one line."""
    holder = next((b for b in reversed(ancestors)
                   if b.element is not None and b.element_tag in ("bdi", "span")
                   and UNBROKEN & set((b.element.get("class") or "").split())), None)
    if holder is None:
        return
    whole = " ".join("".join(holder.element.itertext()).split())
    if " ".join(text_box.text.split()) != whole:
        problems.append(f"page {number}: {whole!r} is broken across lines")
