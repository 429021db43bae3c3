"""The knowledge base in force, reloaded when staff edit ``policies/``.

:class:`KnowledgeStore` looks at the files' modification times at most every
``reload_interval`` seconds. A changed file is parsed again; if it now has errors, the
problems are logged and the file's last good version keeps serving (a file that never
parsed is left out). Other files' edits still take effect. The matcher index is rebuilt
with every change.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Snapshot:
    """One consistent version of the knowledge base and its similarity index."""

    kb: KnowledgeBase
    matcher: Matcher
    version: int
    problems: list[Problem] = field(default_factory=list)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


class KnowledgeStore:
    """Serves the last good knowledge base of a directory and reloads edits."""

    def __init__(self, directory: Path, reload_interval: float = 2.0) -> None:
        self.directory = Path(directory)
        self.reload_interval = reload_interval
        self._lock = threading.Lock()
        self._good_topics: dict[Path, TopicFile] = {}
        self._good_contacts: ContactsFile | None = None
        self._seen: dict[Path, float] = {}
        self._checked_at = 0.0
        self._version = 0
        self._snapshot: Snapshot | None = None

    def _scan(self) -> dict[Path, float]:
        paths = topic_files(self.directory) + [self.directory / CONTACTS_FILE]
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
                self._reload(seen)
            assert self._snapshot is not None
            return self._snapshot

    def _reload(self, seen: dict[Path, float]) -> None:
        problems: list[Problem] = []
        changed = {p for p, m in seen.items() if self._seen.get(p) != m} | (set(self._seen) - set(seen))
        for path in changed:
            if path.name == CONTACTS_FILE:
                parsed_contacts = parse_contacts_file(path)
                problems.extend(parsed_contacts.problems)
                if parsed_contacts.ok:
                    self._good_contacts = parsed_contacts
                elif self._good_contacts is not None:
                    log.error("knowledge base: %s has errors; keeping its last good version", path)
                continue
            if path not in seen:  # deleted
                self._good_topics.pop(path, None)
                continue
            parsed = parse_topic_file(path)
            problems.extend(parsed.problems)
            if parsed.ok:
                self._good_topics[path] = parsed
            elif path in self._good_topics:
                log.error("knowledge base: %s has errors; keeping its last good version", path)
            else:
                log.error("knowledge base: %s has errors and no earlier good version; its entries are not served", path)
        for problem in problems:
            (log.error if problem.severity == "error" else log.warning)("knowledge base: %s", problem)
        contacts = self._good_contacts or ContactsFile(path=self.directory / CONTACTS_FILE)
        kb, cross = assemble(list(self._good_topics.values()), contacts)
        for problem in cross:
            log.warning("knowledge base: %s", problem)
        self._seen = seen
        self._version += 1
        self._snapshot = Snapshot(kb=kb, matcher=Matcher(kb), version=self._version, problems=problems + cross)
        log.info("knowledge base v%d: %d entries in %d topics", self._version, len(kb.entries), len(kb.topics))


_default_store: KnowledgeStore | None = None


def default_store() -> KnowledgeStore:
    """The process-wide store over the configured ``GRADBOT_POLICIES_DIR``."""
    global _default_store
    settings = get_settings()
    store = _default_store
    if store is None or store.directory != settings.policies_dir or store.reload_interval != settings.kb_reload_interval_s:
        store = _default_store = KnowledgeStore(settings.policies_dir, settings.kb_reload_interval_s)
    return store
