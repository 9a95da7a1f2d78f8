"""One PDF from several finished handouts: a patient's packet, or a day's list of packets.

Each handout is rendered on its own (in parallel, in the render workers) and keeps its
own "Page X of Y"; here they are put one after another with pikepdf:

- each handout starts on an odd page: a blank back page goes in where one is needed, so
  a duplex printout separates into sheets (and so each patient's packet starts on a new
  sheet too);
- bookmarks: each handout's own (its title, then its sections), at the top level for a
  packet, under one bookmark per group for a list (`Row 2 ...`, operator's words);
- the tagged structure stays whole (PDF/UA): each handout's structure tree is grafted
  under one new root and its ParentTree numbers are shifted past the ones before it;
  each handout keeps its own language on its `Document` element.

pikepdf (qpdf) copies pages with their resources, but neither it nor pypdf nor qpdf
merges structure trees; that graft is the few lines of `_graft`. The caller chooses the
title: never a patient's name (the handouts' own titles are the stage titles).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name


@dataclass(frozen=True)
class Part:
    """One finished handout to put in: its PDF bytes and its language (BCP 47)."""

    pdf: bytes
    lang: str


@dataclass(frozen=True)
class Group:
    """Handouts under one bookmark (`label`), or with their own at the top level (None)."""

    label: str | None
    parts: tuple[Part, ...]


def assemble(groups: list[Group], title: str, lang: str) -> bytes:
    """The groups' handouts in order as one tagged PDF, each from an odd page."""
    out = pikepdf.new()
    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array()))
    nums = Array()
    next_key = 0
    sources = []  # kept open until saved: copied objects are read lazily
    with out.open_outline() as outline:
        for group in groups:
            start = len(out.pages) + (len(out.pages) % 2)
            items = []
            for part in group.parts:
                src = pikepdf.open(io.BytesIO(part.pdf))
                sources.append(src)
                if len(out.pages) % 2:
                    _blank(out, src.pages[0])
                first = len(out.pages)
                out.pages.extend(src.pages)
                next_key = _graft(out, src, first, root, nums, next_key, part.lang)
                items += _outline(out, src, first)
            if group.label is None:
                outline.root.extend(items)
            else:
                head = pikepdf.OutlineItem(group.label, start)
                head.children.extend(items)
                outline.root.append(head)
    root.ParentTree = out.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
    _catalog(out, root, title, lang, sources[0] if sources else None)
    buf = io.BytesIO()
    # Copied objects leave the parts' object streams; packing them again keeps a list the
    # size of its parts (uncompressed: 2.5 times) and is quicker to write.
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return buf.getvalue()


def _blank(out: pikepdf.Pdf, like: pikepdf.Page) -> None:
    """An empty back page the size of the next handout's first page."""
    box = [float(v) for v in like.mediabox]
    out.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))


def _graft(out: pikepdf.Pdf, src: pikepdf.Pdf, first: int, root: Dictionary, nums: Array,
           offset: int, lang: str) -> int:
    """Put `src`'s structure tree under `root`; return the next free ParentTree key.

    `src`'s pages were copied to `out` from `first` on: qpdf maps every reference to
    them (`/Pg` of the structure elements) onto the copies."""
    tree = src.Root.get("/StructTreeRoot")
    if tree is None:
        return offset
    kids = tree.K if isinstance(tree.K, Array) else Array([tree.K])
    for kid in kids:
        elem = out.copy_foreign(kid)
        elem.P = root
        elem.Lang = pikepdf.String(lang)  # each handout its own language in a mixed list
        root.K.append(elem)
    old = _number_tree(tree.ParentTree)
    for key, value in old:
        nums.append(key + offset)
        nums.append(out.copy_foreign(value) if isinstance(value, Dictionary | Array)
                    and value.is_indirect else _copied(out, value))
    for page in out.pages[first:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annot in page.obj.get("/Annots", ()):
            if "/StructParent" in annot:
                annot.StructParent = int(annot.StructParent) + offset
    keys = [key for key, _ in old]
    return offset + max(int(tree.get("/ParentTreeNextKey", 0)), max(keys, default=-1) + 1)


def _copied(out: pikepdf.Pdf, value):
    """A direct ParentTree value (an array of references) with each reference copied."""
    if isinstance(value, Array):
        return Array([out.copy_foreign(v) if v.is_indirect else v for v in value])
    return out.copy_foreign(value)


def _number_tree(node: Dictionary) -> list[tuple[int, object]]:
    """The (key, value) pairs of a number tree, its kids walked in order."""
    pairs = []
    if "/Nums" in node:
        values = list(node.Nums)
        pairs += [(int(values[i]), values[i + 1]) for i in range(0, len(values), 2)]
    for kid in node.get("/Kids", ()):
        pairs += _number_tree(kid)
    return pairs


def _outline(out: pikepdf.Pdf, src: pikepdf.Pdf, first: int) -> list[pikepdf.OutlineItem]:
    """`src`'s bookmarks, pointing at its pages' copies in `out` (named targets dropped)."""
    index = {page.objgen: i for i, page in enumerate(src.pages)}

    def copy(item: pikepdf.OutlineItem) -> pikepdf.OutlineItem:
        page = first
        dest = item.destination
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in index:
            page += index[dest[0].objgen]
        new = pikepdf.OutlineItem(item.title, page)
        new.children.extend(copy(child) for child in item.children)
        return new

    with src.open_outline() as outline:
        return [copy(item) for item in outline.root]


def _catalog(out: pikepdf.Pdf, root: Dictionary, title: str, lang: str,
             first: pikepdf.Pdf | None) -> None:
    """The document-wide parts PDF/UA asks for: tagged, titled, language, bookmarks shown."""
    out.Root.StructTreeRoot = root
    out.Root.MarkInfo = Dictionary(Marked=True)
    out.Root.Lang = pikepdf.String(lang)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    out.Root.PageMode = Name.UseOutlines
    info = dict(first.docinfo.items()) if first is not None else {}
    for key in ("/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate"):
        if key in info:
            out.docinfo[key] = info[key]
    out.docinfo.Title = pikepdf.String(title)
    if first is not None and "/Metadata" in first.Root:  # pdfuaid:part, creator, producer
        out.Root.Metadata = out.copy_foreign(first.Root.Metadata)
    with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
