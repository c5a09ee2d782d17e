"""What a folder of images holds, found with Pillow alone: ``ganzoo data check`` uses it,
and ``ganzoo.data.folders`` builds datasets on it. It lives outside ``ganzoo.data``
because importing that package imports torch, which no catalogue command may do."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ganzoo.errors import DataError

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@dataclass
class Scan:
    """What is in a folder: usable images per group, and the problems found."""

    root: Path
    layout: str
    groups: dict[str, list[Path]] = field(default_factory=dict)  # class or domain -> files
    bad: list[tuple[Path, str]] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  # non-image files
    sizes: Counter = field(default_factory=Counter)
    modes: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.groups.values())

    @property
    def all_grey(self) -> bool:
        return bool(self.modes) and all(mode in GREY_MODES for mode in self.modes)

    def problems(self) -> list[str]:
        found = [f"unreadable: {p.relative_to(self.root)} ({why})" for p, why in self.bad]
        found += [f"empty {'class' if self.layout == 'classes' else 'folder'}: {g}" for g, f in self.groups.items() if not f]
        if self.ignored:
            found.append(f"{len(self.ignored)} non-image file(s) ignored, e.g. {self.ignored[0].relative_to(self.root)}")
        return found


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def images_in(folder: Path) -> tuple[list[Path], list[Path]]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return [p for p in files if _is_image(p)], [p for p in files if not _is_image(p)]


def detect_layout(root: Path) -> str:
    if not root.exists():
        raise DataError(f"data folder {str(root)!r} does not exist. Check the path, or run `ganzoo datasets` for built-ins.")
    if not root.is_dir():
        raise DataError(f"{str(root)!r} is a file; --data takes a folder of images or a dataset name.")
    if (root / "trainA").is_dir() and (root / "trainB").is_dir():
        return "unpaired"
    images, _ = images_in(root)
    if images:
        return "flat"
    subfolders = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    if any(images_in(p)[0] for p in subfolders):
        return "classes"
    raise DataError(
        f"no images found in {str(root)!r} (looked for {', '.join(sorted(IMAGE_EXTENSIONS))}). "
        "Put images directly in the folder, in one sub-folder per class, or in trainA/ and trainB/."
    )


def count_images(root: Path | str) -> int | None:
    """How many images a flat or class-folder dataset lists (a directory listing: nothing is
    opened), so that too few for one batch per process is refused before any data is drawn;
    None for an unpaired folder, whose size the loader decides."""
    root = Path(root).expanduser()
    layout = detect_layout(root)
    if layout == "flat":
        return len(images_in(root)[0])
    if layout == "classes":
        return sum(len(images_in(p)[0]) for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return None


def scan(root: Path | str) -> Scan:
    """Find and verify every image under a folder, without decoding pixels."""
    root = Path(root).expanduser()
    result = Scan(root, detect_layout(root))
    if result.layout == "flat":
        groups = {"images": root}
    elif result.layout == "classes":
        groups = {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")}
    else:
        groups = {name: root / name for name in ("trainA", "trainB", "testA", "testB") if (root / name).is_dir()}
    for group, folder in groups.items():
        images, others = images_in(folder)
        result.ignored += others
        good = []
        for path in images:
            problem = _verify(path, result)
            if problem:
                result.bad.append((path, problem))
            else:
                good.append(path)
        result.groups[group] = good
    return result


def _verify(path: Path, scan: Scan) -> str | None:
    try:
        with Image.open(path) as image:
            scan.sizes[image.size] += 1
            scan.modes[image.mode] += 1
            image.verify()
        with Image.open(path) as image:  # verify() misses truncated pixel data: decode it too
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return str(exc).split("\n")[0] or type(exc).__name__
    return None
