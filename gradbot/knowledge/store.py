"""The knowledge base in force: never a version that ``gradbot kb check`` finds an error in.

The knowledge base is one snapshot of every file of ``policies/``: the topic files,
``_contacts.yml`` and ``_case_types.yml``. :class:`KnowledgeStore` looks at the files'
modification times at most every ``reload_interval`` seconds. When something changed:

1. the files as they are now go live together if, together, they have no error (the
   loader's checks, the cross-file ones included: an unknown ``contact:``, a contact key
   renamed away, a duplicate id, the same question under two entries);
2. otherwise each edited file is tried alone, settings files first, and goes live when the
   knowledge base with it has no error; then the edits whose own files are clean are tried
   together (a contact key renamed in ``_contacts.yml`` and in the entries at once).
   Whatever is left is *held back*: that file keeps serving its last good version, or
   nothing if it never had one. A broken file thus never holds back a good edit in
   another file, and nothing that ``kb check`` calls an error is ever served.

A deleted topic file is no longer served; a deleted settings file keeps its last good
version (held back, so staff see it). The files that went live are saved after every
change (``last_good_dir``, by default ``GRADBOT_DATA_DIR/kb_last_good/``), so after a
restart a file that is still broken serves its last good version too. Every change in
what is held back is logged as an error; :func:`watch_held_back` prints it on the console.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, Union

from gradbot.knowledge import student_questions
from gradbot.knowledge.case_types import CASE_TYPES_FILE, CaseTypesFile, parse_case_types_file
from gradbot.knowledge.loader import (
    CONTACTS_FILE,
    ContactsFile,
    TopicFile,
    assemble,
    parse_contacts_file,
    parse_topic_file,
    topic_files,
)
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.schema import KnowledgeBase, Problem
from gradbot.settings import get_settings

log = logging.getLogger(__name__)

SETTINGS_FILES = (CONTACTS_FILE, CASE_TYPES_FILE)  # tried before the topic files
ParsedFile = Union[TopicFile, ContactsFile, CaseTypesFile]


@dataclass(frozen=True)
class HeldBack:
    """An edited file that is not served, and the errors that hold it back (in any file)."""

    file: str
    problems: tuple[Problem, ...]
    has_last_good: bool  # False: the file never passed, none of it is served

    def describe(self, english: bool = False, limit: int = 10) -> list[str]:
        """One line on what is served instead, then one line per error (``file:line: ...``), at most ``limit``."""
        if english:
            head = (f"{self.file}: the edit is held back; its last good version keeps serving" if self.has_last_good
                    else f"{self.file}: held back and it has no good version yet; none of it is served")
        else:
            head = (f"{self.file}：这次修改有错误，未生效，助手继续使用它上一个正确的版本" if self.has_last_good
                    else f"{self.file}：有错误，且没有可用的正确版本，这个文件的内容暂时不会使用")
        lines = [head] + [f"  {problem}" for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            more = len(self.problems) - limit
            lines.append(f"  … and {more} more (gradbot kb check lists them all)" if english else f"  ……另有 {more} 处（gradbot kb check 会全部列出）")
        return lines


@dataclass
class Snapshot:
    """One consistent version of the knowledge base and its similarity index.

    ``problems`` are those of the files as they are on disk (what ``kb check`` reports,
    less its advice); ``held_back`` the edits not served because of them.
    """

    kb: KnowledgeBase
    matcher: Matcher
    version: int
    problems: list[Problem] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)
    case_types_text: str | None = None  # the served ``_case_types.yml`` (None: none ever passed)
    case_types_path: Path | None = None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _parse(path: Path, text: str | None = None) -> ParsedFile:
    if path.name == CONTACTS_FILE:
        return parse_contacts_file(path, text)
    if path.name == CASE_TYPES_FILE:
        return parse_case_types_file(path, text)
    return parse_topic_file(path, text)


def check_files(directory: Path, files: dict[str, ParsedFile]) -> tuple[KnowledgeBase, list[Problem]]:
    """The knowledge base of ``files`` (by file name) and every problem of them, cross-file ones included."""
    topics = [f for name, f in files.items() if name not in SETTINGS_FILES]
    contacts = files.get(CONTACTS_FILE)
    if not isinstance(contacts, ContactsFile):
        contacts = ContactsFile(path=directory / CONTACTS_FILE)
    case_types = files.get(CASE_TYPES_FILE)
    kb, cross = assemble(topics, contacts, case_types if isinstance(case_types, CaseTypesFile) else None)  # type: ignore[arg-type]
    return kb, [p for f in files.values() for p in f.problems] + cross


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


class KnowledgeStore:
    """Serves the last good knowledge base of a directory and takes edits that pass the checks."""

    def __init__(self, directory: Path, reload_interval: float = 2.0, last_good_dir: Path | None = None,
                 student_questions_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        # real students' questions: extra phrasings for the matcher (read whenever the index is rebuilt)
        self.student_questions_dir = Path(student_questions_dir) if student_questions_dir else None
        self.reload_interval = reload_interval
        self.last_good_dir = Path(last_good_dir) if last_good_dir else None
        self._lock = threading.Lock()
        self._served: dict[str, ParsedFile] = {}
        self._parsed: dict[Path, tuple[float, ParsedFile]] = {}
        self._seen: dict[Path, float] = {}
        self._checked_at = 0.0
        self._version = 0
        self._snapshot: Snapshot | None = None
        self._held_back_said: list[HeldBack] | None = None

    @property
    def saved_path(self) -> Path | None:
        """Where the served versions are kept (one JSON file per policies directory)."""
        if self.last_good_dir is None:
            return None
        digest = hashlib.sha1(str(self.directory.resolve()).encode("utf-8")).hexdigest()[:16]
        return self.last_good_dir / f"{digest}.json"

    def _scan(self) -> dict[Path, float]:
        paths = topic_files(self.directory) + [self.directory / name for name in SETTINGS_FILES]
        return {p: _mtime(p) for p in paths}

    def snapshot(self) -> Snapshot:
        """The current version, reloading first if files changed since the last look."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked_at < self.reload_interval:
            return self._snapshot
        with self._lock:
            self._checked_at = time.monotonic()
            seen = self._scan()
            if self._snapshot is None or seen != self._seen:
                if self._snapshot is None:
                    self._restore()
                self._reload(seen)
            assert self._snapshot is not None
            return self._snapshot

    # -- what is on disk ---------------------------------------------------------------

    def _current(self, seen: dict[Path, float]) -> dict[str, ParsedFile]:
        current: dict[str, ParsedFile] = {}
        for path, mtime in seen.items():
            if mtime < 0:
                continue
            cached = self._parsed.get(path)
            if cached is None or cached[0] != mtime:
                cached = self._parsed[path] = (mtime, _parse(path))
            current[path.name] = cached[1]
        for path in set(self._parsed) - {p for p, m in seen.items() if m >= 0}:
            del self._parsed[path]
        return current

    # -- deciding what goes live ---------------------------------------------------------

    def _with(self, changes: dict[str, ParsedFile | None]) -> dict[str, ParsedFile]:
        files = dict(self._served)
        for name, parsed in changes.items():
            if parsed is None:
                files.pop(name, None)
            else:
                files[name] = parsed
        return files

    def _adopt(self, changes: dict[str, ParsedFile | None]) -> dict[str, list[Problem]]:
        """Take the changes that keep the knowledge base free of errors; the rest with their errors."""
        if not changes:
            return {}
        files = self._with(changes)
        if not _errors(check_files(self.directory, files)[1]):
            self._served = files
            return {}
        remaining = dict(changes)
        blocking: dict[str, list[Problem]] = {}
        order = [n for n in SETTINGS_FILES if n in remaining] + sorted(n for n in remaining if n not in SETTINGS_FILES)
        progress = True
        while remaining and progress:
            progress = False
            for name in [n for n in order if n in remaining]:
                files = self._with({name: remaining[name]})
                errors = _errors(check_files(self.directory, files)[1])
                if errors:
                    blocking[name] = errors
                    continue
                self._served = files
                del remaining[name]
                progress = True
            clean = {n: p for n, p in remaining.items() if p is None or p.ok}
            if not progress and len(clean) > 1:
                files = self._with(clean)
                if not _errors(check_files(self.directory, files)[1]):
                    self._served = files
                    for name in clean:
                        del remaining[name]
                    progress = True
        return {name: blocking[name] for name in remaining}

    def _reload(self, seen: dict[Path, float]) -> None:
        current = self._current(seen)
        served_before = dict(self._served)
        changes: dict[str, ParsedFile | None] = {
            name: parsed for name, parsed in current.items()
            if name not in self._served or self._served[name].text != parsed.text
        }
        changes.update({name: None for name in self._served if name not in current and name not in SETTINGS_FILES})
        blocked = self._adopt(changes)
        held_back = [
            HeldBack(str(self.directory / name), tuple(problems), name in self._served)
            for name, problems in sorted(blocked.items())
        ]
        for name in SETTINGS_FILES:
            if name in self._served and name not in current:
                missing = Problem(str(self.directory / name), 0, "文件不见了：继续使用它上一个正确的版本")
                held_back.append(HeldBack(missing.file, (missing,), True))
        kb, _ = check_files(self.directory, self._served)
        _, problems = check_files(self.directory, current)
        unchanged = self._served.keys() == served_before.keys() and all(self._served[n] is served_before[n] for n in served_before)
        if self._snapshot is not None and unchanged:
            matcher = self._snapshot.matcher
        else:
            matcher = self._matcher(kb)
            if not unchanged:
                self._save()
        self._seen = seen
        self._version += 1
        case_types = self._served.get(CASE_TYPES_FILE)
        self._snapshot = Snapshot(kb=kb, matcher=matcher, version=self._version, problems=problems, held_back=held_back,
                                  case_types_text=case_types.text if case_types else None,
                                  case_types_path=self.directory / CASE_TYPES_FILE)
        self._say(held_back)
        log.info("knowledge base v%d: %d entries in %d topics", self._version, len(kb.entries), len(kb.topics))

    def _matcher(self, kb: KnowledgeBase) -> Matcher:
        if self.student_questions_dir is None:
            matcher = Matcher(kb)
        else:
            real = student_questions.load(self.student_questions_dir)
            matcher = Matcher(kb, student_questions.phrasings(real, kb.entries), student_questions.out_of_scope_texts(real))
        matcher.prepare()
        return matcher

    def _say(self, held_back: list[HeldBack]) -> None:
        if held_back == self._held_back_said:
            return
        if held_back:
            for item in held_back:
                for line in item.describe(english=True):
                    log.error("knowledge base: %s", line.strip())
        elif self._held_back_said:
            log.warning("knowledge base: every edit is live again (no file is held back)")
        self._held_back_said = held_back

    # -- the last good versions on disk --------------------------------------------------

    def _save(self) -> None:
        path = self.saved_path
        if path is None:
            return
        record = {
            "directory": str(self.directory.resolve()),
            "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "files": {name: parsed.text for name, parsed in sorted(self._served.items()) if parsed.text is not None},
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("knowledge base: cannot save the last good version to %s: %s", path, exc)
            return
        self._prune(path)

    @staticmethod
    def _prune(keep: Path) -> None:
        """Remove the saved versions of policies directories that no longer exist (test copies, moved checkouts)."""
        for other in keep.parent.glob("*.json"):
            if other == keep:
                continue
            try:
                directory = json.loads(other.read_text(encoding="utf-8")).get("directory")
                if not directory or not Path(directory).is_dir():
                    other.unlink()
            except (OSError, ValueError, AttributeError):
                continue

    def _restore(self) -> None:
        """Serve the saved last good versions first (each only if it still passes)."""
        path = self.saved_path
        if path is None or not path.exists():
            return
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            files = {str(name): str(text) for name, text in record["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("knowledge base: ignoring the saved last good version %s: %s", path, exc)
            return
        rejected = self._adopt({name: _parse(self.directory / name, text) for name, text in files.items()
                                if name in SETTINGS_FILES or not name.startswith(("_", "."))})
        for name in rejected:
            log.warning("knowledge base: the saved version of %s no longer passes the checks; not used", name)


def announce_held_back(held_back: list[HeldBack], stream: TextIO | None = None) -> None:
    """Print what is held back (in Chinese, for staff) on ``stream`` (stderr), framed so it stands out."""
    stream = stream or sys.stderr
    if not held_back:
        print("知识库：所有修改均已生效。", file=stream)
        return
    rule = "!" * 78
    lines = [rule, "知识库：有修改未生效（运行 gradbot kb check 查看全部问题）"]
    for item in held_back:
        lines += item.describe()
    lines.append(rule)
    print("\n".join(lines), file=stream, flush=True)


def watch_held_back(store: KnowledgeStore, interval: float = 5.0, stream: TextIO | None = None) -> threading.Thread:
    """A daemon thread that announces held-back edits now and whenever that changes."""

    def watch() -> None:
        said: list[HeldBack] | None = None
        while True:
            try:
                held_back = store.snapshot().held_back
                if held_back != said and (held_back or said):
                    announce_held_back(held_back, stream)
                said = held_back
            except Exception:  # never let the watcher take the process down
                log.exception("knowledge base watcher failed")
            time.sleep(interval)

    thread = threading.Thread(target=watch, name="kb-held-back-watcher", daemon=True)
    thread.start()
    return thread


_default_store: KnowledgeStore | None = None


def default_store() -> KnowledgeStore:
    """The process-wide store over the configured ``GRADBOT_POLICIES_DIR`` (with the real
    students' questions of ``GRADBOT_STUDENT_QUESTIONS_DIR`` as extra phrasings).

    Its last good versions are kept under ``GRADBOT_DATA_DIR/kb_last_good/``.
    """
    global _default_store
    settings = get_settings()
    store = _default_store
    last_good_dir = settings.data_dir / "kb_last_good"
    if (store is None or store.directory != settings.policies_dir or store.reload_interval != settings.kb_reload_interval_s
            or store.last_good_dir != last_good_dir or store.student_questions_dir != settings.student_questions_dir):
        store = _default_store = KnowledgeStore(settings.policies_dir, settings.kb_reload_interval_s, last_good_dir,
                                                settings.student_questions_dir)
    return store
