"""The Chinese and Korean faces handouts use: subsets of Debian's Noto Sans CJK, made at set-up.

Noto Sans CJK comes as one 20 MB collection per weight (65,535 glyphs for five
regions). WeasyPrint copies the whole font file into memory for every render that
embeds it, and keeps glyph slots up to the highest glyph used. So a Chinese
handout took ~75 % longer than a Latin one (Korean three times as long), weighed
~470 KB, and a worker that had rendered both peaked ~150 MB higher. Each face
here keeps the simplified-Chinese (or Korean) face of the collection, cut down to
the characters a handout in that language uses:

- Chinese: every character of GB 2312 (the 6,763 common hanzi and its symbols);
- Korean: all 11,172 Hangul syllables, the jamo, and the KS X 1001 symbols (not hanja);
- both: ASCII, Latin-1, general and CJK punctuation, full-width forms.

All OpenType layout features are kept, and the glyphs are the collection's own, so
a page looks the same (tested pixel for pixel). A character outside the subset (a
rare hanzi in a patient's name) falls back to the full Noto Sans CJK face through
the stylesheet's font-family list. The faces are renamed "Handouts CJK SC/KR", as
the SIL Open Font License asks of modified fonts, and keep Noto's copyright and
licence records.

`python -m handouts.pipeline.fonts [DIR]` (run by `make setup`) writes them to
templates/fonts/ (not in git), where handout.css finds them with @font-face. An
installed package carries none (they are made from the system's Noto Sans CJK, and a
wheel should not depend on what the build machine had): its first render makes them
into the user's cache folder, once, and says so (`ensure`); the render's URL fetcher
serves `templates/fonts/...` from there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write
from ..project import PROJECT, Project

NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
FONTS_DIR = PROJECT.templates_dir / "fonts"  # a checkout's; see fonts_dir()
VERSION = "1"  # bump when the character sets change, so set-up makes the files again


@dataclass(frozen=True)
class Face:
    filename: str      # in FONTS_DIR
    collection: str    # the Noto Sans CJK file, in NOTO_CJK
    source: str        # the face's family name inside the collection
    region: str        # SC or KR


FACES = (
    Face("HandoutsCJKSC-Regular.otf", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "SC"),
    Face("HandoutsCJKSC-Bold.otf", "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "SC"),
    Face("HandoutsCJKKR-Regular.otf", "NotoSansCJK-Regular.ttc", "Noto Sans CJK KR", "KR"),
    Face("HandoutsCJKKR-Bold.otf", "NotoSansCJK-Bold.ttc", "Noto Sans CJK KR", "KR"),
)

_COMMON = (range(0x20, 0x7F), range(0xA0, 0x250), range(0x2000, 0x2070),
           range(0x2100, 0x2200), range(0x3000, 0x3040), range(0xFF00, 0xFFF0))


def _double_byte(codec: str) -> set[int]:
    """Every character a two-byte EUC code (GB 2312, KS X 1001) can encode."""
    found = set()
    for first in range(0xA1, 0xFF):
        for second in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((first, second)).decode(codec)))
            except UnicodeDecodeError:
                pass
    return found


def _is_hanja(c: int) -> bool:
    return 0x4E00 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF


def characters(region: str) -> set[int]:
    """The code points the subset for `region` (SC or KR) keeps."""
    chars = {c for r in _COMMON for c in r}
    if region == "SC":
        return chars | _double_byte("gb2312")
    hangul = {*range(0xAC00, 0xD7A4), *range(0x1100, 0x1200), *range(0x3130, 0x3190)}
    return chars | hangul | {c for c in _double_byte("euc_kr") if not _is_hanja(c)}


def make_face(face: Face, dest: Path) -> Path:
    """Write one subset face to dest/face.filename (atomically); return its path."""
    from io import BytesIO

    from fontTools import subset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(NOTO_CJK / face.collection), lazy=True)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face.source)
    options = subset.Options()
    options.layout_features = ["*"]   # locl, kerning, vertical forms: as the original
    options.name_IDs = ["*"]          # copyright, licence and its URL stay
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters(face.region))
    subsetter.subset(font)
    # Family (1, 16), unique (3), full (4) and PostScript (6) names: renamed.
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 6, 16):
            record.string = (record.toUnicode().replace("Noto Sans CJK", "Handouts CJK")
                              .replace("NotoSansCJK", "HandoutsCJK"))
    out = BytesIO()
    font.save(out)
    path = dest / face.filename
    atomic_write(path, out.getvalue())
    return path


def missing(dest: Path = FONTS_DIR) -> list[Face]:
    """The faces not made yet (or made by another VERSION of this module)."""
    stamp = dest / "VERSION"
    current = stamp.is_file() and stamp.read_text().strip() == VERSION
    return [f for f in FACES if not current or not (dest / f.filename).is_file()]


def make_all(dest: Path = FONTS_DIR, jobs: int = 2) -> list[Path]:
    """Make every face that is missing, `jobs` at a time (each takes 10-20 s)."""
    todo = missing(dest)
    if not todo:
        return []
    if not NOTO_CJK.joinpath(FACES[0].collection).is_file():
        raise SystemExit(f"{NOTO_CJK / FACES[0].collection} not found: install "
                         "fonts-noto-cjk (scripts/sysdeps.sh does)")
    dest.mkdir(parents=True, exist_ok=True)
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(jobs, len(todo))) as ex:
            made = list(ex.map(make_face, todo, [dest] * len(todo)))
    else:
        made = [make_face(f, dest) for f in todo]
    atomic_write(dest / "VERSION", (VERSION + "\n").encode())
    return made


def fonts_dir(project: Project) -> Path:
    """Where `project`'s renders find the faces: its templates/fonts/ when the faces are
    there (a checkout after `make setup`), else, for an installed package, the user's
    cache folder."""
    own = project.templates_dir / "fonts"
    if not project.packaged or not missing(own):
        return own
    return project.cache_dir / f"fonts-{VERSION}"


def ensure(project: Project) -> Path:
    """The fonts folder of `project`, with the faces made there first if an installed
    package has none yet (about 20 s, once per user); says so on stderr."""
    dest = fonts_dir(project)
    if project.packaged and missing(dest):
        if not NOTO_CJK.joinpath(FACES[0].collection).is_file():
            from ..errors import UserError

            raise UserError(f"{NOTO_CJK / FACES[0].collection} not found: install the Debian "
                            "package fonts-noto-cjk (apt-get install fonts-noto-cjk)")
        print(f"handouts: making the Chinese and Korean fonts (subsets of Noto Sans CJK) in "
              f"{dest}; this happens once and takes a minute or so", file=sys.stderr, flush=True)
        make_all(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else FONTS_DIR
    for path in make_all(dest):
        print(f"made {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
