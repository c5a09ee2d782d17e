"""``hf://`` URLs on the Hugging Face Hub, through ``huggingface_hub`` (not a hand-written client).

Download: ``hf://OWNER/REPO/FILE[@REVISION]`` goes through ``hf_hub_download``, so the Hub's
own cache, ``HF_ENDPOINT``, ``HF_TOKEN`` / ``hf auth login`` and ``HF_HUB_OFFLINE`` all apply;
the file is then copied to the core's temporary file, which the core verifies by sha256
before it enters ganzoo's cache. Push: ``hf://OWNER/REPO`` gets the staged folder (weights,
model card, sample grid) as *one* commit (``create_commit``; ``upload_folder`` may split a
folder over several commits when hf_xet is installed), after ``create_repo(exist_ok=True)``.

Every Hub failure becomes one line naming the repository, file or revision and what to do:
``DownloadError`` for downloads (the core then tries the next URL), ``PushError`` for pushes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, constants, hf_hub_download
from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, HFValidationError, LocalEntryNotFoundError,
                                    OfflineModeIsEnabled, RemoteEntryNotFoundError, RepositoryNotFoundError,
                                    RevisionNotFoundError)
from huggingface_hub.utils import validate_repo_id

from ganzoo.plugin import DownloadError, PushError

SCHEME = "hf://"
LOGIN = "log in with `hf auth login` or set HF_TOKEN"


def parse_file_url(url: str) -> tuple[str, str, str | None]:
    """``hf://OWNER/REPO/FILE[@REVISION]`` -> (repo id, file path in the repo, revision or None).
    The revision is whatever follows the last ``@`` (a branch, tag or commit; ``refs/pr/1`` too)."""
    rest = url.removeprefix(SCHEME)
    path, at, revision = rest.rpartition("@") if "@" in rest else (rest, "", "")
    parts = [p for p in path.split("/") if p]
    if not url.startswith(SCHEME) or len(parts) < 3 or (at and not revision):
        raise DownloadError(f"{url} is not an hf:// file URL; write hf://OWNER/REPO/FILE.safetensors[@REVISION].")
    repo_id = "/".join(parts[:2])
    if problem := invalid_repo_id(repo_id):
        raise DownloadError(f"{url}: {problem}")
    return repo_id, "/".join(parts[2:]), revision or None


def parse_repo_url(url: str) -> str:
    """``hf://OWNER/REPO`` -> the repo id (a push goes to the repository's root, on main)."""
    parts = [p for p in url.removeprefix(SCHEME).split("/") if p]
    if not url.startswith(SCHEME) or len(parts) != 2 or "@" in url:
        raise PushError(f"--push {url}: write hf://OWNER/REPO (the files go to the root of the repository's "
                        "main branch; no file name or @revision).")
    repo_id = "/".join(parts)
    if problem := invalid_repo_id(repo_id):
        raise PushError(f"--push {url}: {problem}")
    return repo_id


def invalid_repo_id(repo_id: str) -> str | None:
    """What is wrong with ``repo_id`` by the Hub's own rules (huggingface_hub's check, no network), or None.
    Checked while parsing so a malformed id is one line before any work, not a traceback from the Hub client."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        return _first_line(exc)
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def endpoint() -> str:
    """The Hub's address: ``HF_ENDPOINT`` as set now (huggingface_hub reads it once, at import)."""
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def download(url: str, destination: str | Path) -> Path:
    """Fetch ``url`` into the Hub's cache (or find it there), then copy it to ``destination``."""
    repo_id, filename, revision = parse_file_url(url)
    at = f" at revision {revision!r}" if revision else ""
    try:
        cached = hf_hub_download(repo_id, filename, revision=revision, endpoint=endpoint(),
                                 cache_dir=os.environ.get("HF_HUB_CACHE") or None)
    except RevisionNotFoundError:
        raise DownloadError(f"the Hub repository {repo_id} has no revision {revision!r}; "
                            "name an existing branch, tag or commit after @.") from None
    except RemoteEntryNotFoundError:
        raise DownloadError(f"the Hub repository {repo_id} has no file {filename!r}{at}.") from None
    except GatedRepoError:
        raise DownloadError(f"the Hub repository {repo_id} is gated: accept its terms on its page, then {LOGIN}.") from None
    except RepositoryNotFoundError:
        raise DownloadError(f"no Hub repository {repo_id} at {endpoint()} (if it is private, {LOGIN}).") from None
    except (OfflineModeIsEnabled, LocalEntryNotFoundError):
        if constants.HF_HUB_OFFLINE:
            raise DownloadError(f"HF_HUB_OFFLINE is set and {repo_id}/{filename}{at} is not in the Hub's cache; "
                                "unset it to download.") from None
        raise DownloadError(f"cannot reach the Hub at {endpoint()} for {repo_id}/{filename}; check the connection "
                            "(or HF_ENDPOINT).") from None
    except HfHubHTTPError as exc:
        raise DownloadError(f"the Hub answered {_status(exc)} for {repo_id}/{filename}{at}.") from None
    except HFValidationError as exc:  # a revision or file name the Hub client will not send
        raise DownloadError(f"{url}: {_first_line(exc)}") from None
    shutil.copyfile(cached, destination)
    return Path(destination)


def push(url: str, folder: str | Path) -> str:
    """Upload every file of ``folder`` to the root of ``hf://OWNER/REPO`` in one commit (the
    repository is created, public, if it does not exist); return the repository's web address."""
    repo_id = parse_repo_url(url)
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("."))
    api = HfApi(endpoint=endpoint())
    try:
        repo = api.create_repo(repo_id, exist_ok=True)
        api.create_commit(repo_id, operations=[CommitOperationAdd(p.name, str(p)) for p in files],
                          commit_message=f"ganzoo export: {', '.join(p.name for p in files)}")
    except OfflineModeIsEnabled:
        raise PushError("HF_HUB_OFFLINE is set: unset it to push to the Hub.") from None
    except HFValidationError as exc:
        raise PushError(f"--push {url}: {_first_line(exc)}") from None
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        hint = f"; {LOGIN} with a token that may write to {repo_id}" if status in (401, 403) else ""
        raise PushError(f"the Hub at {endpoint()} refused the push to {repo_id}: {_status(exc)}{hint}.") from None
    except Exception as exc:  # connection refused, DNS, timeouts: the HTTP library's own errors, not OSError
        if not (isinstance(exc, OSError) or _is_transport_error(exc)):
            raise
        raise PushError(f"cannot reach the Hub at {endpoint()} ({type(exc).__name__}); check the connection "
                        "(or HF_ENDPOINT).") from None
    return str(repo)


def _is_transport_error(exc: BaseException) -> bool:
    """An error of the HTTP library under huggingface_hub (httpx2 in 2.x, httpx in 1.x)."""
    return type(exc).__module__.split(".")[0] in ("httpx2", "httpx", "httpcore", "requests", "urllib3")


def _status(exc: HfHubHTTPError) -> str:
    """``HTTP 403 (the server's first line)``: what the Hub said, on one line."""
    code = getattr(getattr(exc, "response", None), "status_code", None)
    if code is None:
        return str(exc).strip().splitlines()[0]
    message = (getattr(exc, "server_message", None) or "").strip()
    return f"HTTP {code} ({message.splitlines()[0]})" if message else f"HTTP {code}"
