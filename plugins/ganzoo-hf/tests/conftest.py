"""A local Hugging Face Hub on 127.0.0.1: the endpoints huggingface_hub 2.x really calls.

Files: ``HEAD``/``GET /{owner}/{repo}/resolve/{revision}/{path}`` with the headers
``hf_hub_download`` requires (``ETag``, ``X-Repo-Commit``, ``Content-Length``) and, for
misses, the ``X-Error-Code`` it maps to its error classes (``RepoNotFound``,
``RevisionNotFound``, ``EntryNotFound``). Uploads: ``POST /api/repos/create``,
``/api/validate-yaml`` (a README.md in a commit is checked first),
``/api/models/{repo}/preupload/{revision}`` (answered "regular" for every file, so no
LFS or xet transfer is needed) and ``/api/models/{repo}/commit/{revision}`` (NDJSON with
base64 file contents). Every request is recorded, with its Authorization header.

``hub`` points huggingface_hub at it for one test: ``HF_ENDPOINT``, a fresh ``HF_HUB_CACHE``
and ``HF_HOME``, a fake ``HF_TOKEN`` (never a real one), and online mode (the suite
runs with ``HF_HUB_OFFLINE=1``; huggingface_hub reads that once, so its constant is patched
too). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

TOKEN = "hf_local_test_token"


@dataclass
class Repo:
    refs: dict[str, str] = field(default_factory=dict)  # branch or tag -> commit
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # commit -> {path: content}

    def commit(self, files: dict[str, bytes], ref: str = "main") -> str:
        parent = self.commits.get(self.refs.get(ref, ""), {})
        tree = {**parent, **files}
        sha = hashlib.sha1(repr(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in tree.items())).encode()
                           + str(len(self.commits)).encode()).hexdigest()
        self.commits[sha] = tree
        self.refs[ref] = sha
        return sha

    def resolve(self, revision: str) -> str | None:
        return self.refs.get(revision) or (revision if revision in self.commits else None)


@dataclass
class LocalHub:
    url: str
    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Authorization
    read_only: set[str] = field(default_factory=set)  # repos whose commits are refused (403), as without write access

    def add(self, repo_id: str, files: dict[str, bytes], ref: str = "main") -> str:
        return self.repos.setdefault(repo_id, Repo()).commit(files, ref)

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        repo = self.repos[repo_id]
        return repo.commits[repo.resolve(revision)]


def make_handler(hub: LocalHub) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects

        def log_message(self, *args: object) -> None:
            pass

        def _record(self) -> None:
            hub.requests.append((self.command, urllib.parse.unquote(self.path.split("?")[0]),
                                 self.headers.get("Authorization")))

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                   send_body: bool = True) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)

        def _json(self, status: int, data: object, headers: dict[str, str] | None = None) -> None:
            self._reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

        def _error(self, status: int, code: str, message: str, send_body: bool = True, **headers: str) -> None:
            self._reply(status, json.dumps({"error": message}).encode(),
                        {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json",
                         **headers}, send_body)

        # -- files ---------------------------------------------------------------------------
        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._resolve(send_body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._resolve(send_body=True)

        def _resolve(self, send_body: bool) -> None:
            self._record()
            parts = [urllib.parse.unquote(p) for p in self.path.split("?")[0].strip("/").split("/")]
            if len(parts) < 5 or parts[2] != "resolve":
                return self._error(404, "EntryNotFound", "not a resolve URL", send_body)
            repo_id, revision, path = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            repo = hub.repos.get(repo_id)
            if repo is None:
                return self._error(404, "RepoNotFound", "Repository not found", send_body)
            commit = repo.resolve(revision)
            if commit is None:
                return self._error(404, "RevisionNotFound", "Invalid rev id", send_body)
            content = repo.commits[commit].get(path)
            if content is None:
                return self._error(404, "EntryNotFound", "Entry not found", send_body, **{"X-Repo-Commit": commit})
            headers = {"ETag": f'"{hashlib.sha256(content).hexdigest()}"', "X-Repo-Commit": commit,
                       "Content-Type": "application/octet-stream"}
            self._reply(200, content, headers, send_body)

        # -- uploads -------------------------------------------------------------------------
        def do_POST(self) -> None:  # noqa: N802
            self._record()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urllib.parse.unquote(self.path.split("?")[0])
            parts = path.strip("/").split("/")
            if path == "/api/repos/create":
                data = json.loads(body)
                repo_id = f"{data['organization']}/{data['name']}"
                if repo_id in hub.repos:  # as the Hub: a 409 that still says where the repo is
                    return self._json(409, {"error": "You already created this model repo",
                                            "url": f"{hub.url}/{repo_id}"})
                hub.repos[repo_id] = Repo()
                return self._json(200, {"url": f"{hub.url}/{repo_id}"})
            if path == "/api/validate-yaml":
                return self._json(200, {"errors": [], "warnings": []})
            if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[4] in ("preupload", "commit"):
                repo_id, revision = "/".join(parts[2:4]), "/".join(parts[5:])
                repo = hub.repos.get(repo_id)
                if repo is None:
                    return self._error(404, "RepoNotFound", "Repository not found")
                if parts[4] == "preupload":
                    files = json.loads(body)["files"]
                    return self._json(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                       "oid": None} for f in files]})
                if repo_id in hub.read_only:
                    return self._json(403, {"error": "You don't have the rights to create a commit on this repo"})
                added = {}
                for line in body.splitlines():
                    item = json.loads(line)
                    if item["key"] == "file":
                        added[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                    elif item["key"] != "header":
                        return self._json(400, {"error": f"the local hub does not take {item['key']}"})
                sha = repo.commit(added, revision)
                return self._json(200, {"commitUrl": f"{hub.url}/{repo_id}/commit/{sha}", "commitOid": sha})
            return self._json(404, {"error": f"the local hub has no {path}"})

    return Handler


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Iterator[LocalHub]:
    from huggingface_hub import constants

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), None)  # handler set below, once the URL is known
    local = LocalHub(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = make_handler(local)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {"HF_ENDPOINT": local.url, "HF_HUB_CACHE": str(tmp_path / "hf-cache"), "HF_HOME": str(tmp_path / "hf-home"),
           "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "GANZOO_HOME": str(tmp_path / "ganzoo-home")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # read once at import, under the suite's HF_HUB_OFFLINE=1
    yield local
    server.shutdown()
    server.server_close()
