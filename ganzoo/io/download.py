"""Fetch a file into ganzoo's cache: stream, verify sha256, then rename atomically.

A download goes to a temporary file next to its destination, is hashed while it
streams, and is renamed onto the real name only when the hash matches: a failed,
interrupted or tampered download leaves nothing in the cache. URLs are tried in
order (mirrors). ``http(s)://``, ``file://`` and ``package://<module>/<path>`` (a file
shipped inside an installed distribution) are built in; any other scheme is offered
to plugins through the ``ganzoo_fetch_weights`` hook (``firstresult``).
``GANZOO_OFFLINE=1`` forbids the network altogether (local files still work).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from ganzoo.errors import DownloadError
from ganzoo.host import get_host

#: seconds to wait for a connection or for the next bytes: no network fails fast, not after minutes
TIMEOUT = 15.0
BLOCK = 1 << 20
#: schemes that read a local file: allowed offline
LOCAL_SCHEMES = ("file", "package")


class ChecksumError(DownloadError):
    """A file arrived whole but its sha256 is not the declared one."""


def offline() -> bool:
    return os.environ.get("GANZOO_OFFLINE", "").lower() not in ("", "0", "false", "no")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(urls: Sequence[str], destination: str | Path, sha256: str | None = None, sha256_prefix: str | None = None,
          size: int | None = None, what: str = "file", host: object = None) -> Path:
    """Download the first URL that yields the right file to ``destination``; return it.

    ``sha256`` is the full hex digest. ``sha256_prefix`` is accepted only for
    third-party files whose publisher names just a prefix (torch.hub's file names).
    """
    if not (sha256 or sha256_prefix):
        raise ValueError("fetch() needs the expected sha256: ganzoo never caches an unverified download")
    destination = Path(destination)
    if offline():  # local files are still fine; the network is not
        urls = [u for u in urls if urllib.parse.urlsplit(u).scheme in LOCAL_SCHEMES]
        if not urls:
            raise DownloadError(f"GANZOO_OFFLINE is set, and {what} is not in the cache ({destination}). "
                                "Unset GANZOO_OFFLINE to download it, or copy the file there.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
        os.close(fd)
        try:
            _fetch_one(url, Path(tmp), size, what, host)
            actual = sha256_of(tmp)
            if (sha256 and actual != sha256) or (sha256_prefix and not actual.startswith(sha256_prefix)):
                raise ChecksumError(f"checksum mismatch for {what} from {url}: expected sha256 "
                                    f"{sha256 or sha256_prefix + '...'}, got {actual}. The file was deleted.")
            os.replace(tmp, destination)
            return destination
        except ChecksumError as exc:
            failures.append(str(exc))
        except DownloadError as exc:
            failures.append(f"{url}: {exc}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if len(failures) == 1 and failures[0].startswith("checksum mismatch"):
        raise ChecksumError(failures[0])
    raise DownloadError(f"could not download {what}; tried {len(urls)} URL(s):\n  " + "\n  ".join(failures))


def local_path(url: str) -> Path:
    """The file a ``file://`` or ``package://<module>/<path>`` URL names (which may not exist)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return Path(urllib.request.url2pathname(parts.path))
    if parts.scheme != "package":
        raise ValueError(f"{url} does not name a local file")
    import importlib.util

    spec = importlib.util.find_spec(parts.netloc)
    if spec is None or not spec.submodule_search_locations:
        raise DownloadError(f"package {parts.netloc!r} (named by {url}) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / parts.path.lstrip("/")


def _fetch_one(url: str, target: Path, size: int | None, what: str, host: object) -> None:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("http", "https"):
        _http(url, target, size, what)
    elif scheme in LOCAL_SCHEMES:
        source = local_path(url)
        if not source.is_file():
            raise DownloadError(f"no such file {source}")
        shutil.copyfile(source, target)
    else:
        handled = (host or get_host()).hook.ganzoo_fetch_weights(url=url, destination=str(target))
        if not handled:
            raise DownloadError(f"no installed plugin handles {scheme}:// URLs (built in: http, https, file, package)")


def _http(url: str, target: Path, size: int | None, what: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "ganzoo"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or size or 0) or None
            received = 0
            bar = _bar(total, what)
            try:
                for block in iter(lambda: response.read(BLOCK), b""):
                    out.write(block)
                    received += len(block)
                    if bar is not None:
                        bar.update(len(block))
            finally:
                if bar is not None:
                    bar.close()
            if total is not None and received < total:
                raise DownloadError(f"the connection closed after {received} of {total} bytes")
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadError(f"cannot connect ({exc.reason})") from None
    except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"the transfer failed ({type(exc).__name__}: {exc})") from None


def _bar(total: int | None, what: str):  # noqa: ANN202 - a tqdm bar or None
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {what}", file=sys.stderr)
