"""Rendering a publish's folders on every core: a pool of render workers and the ordered
pipeline that keeps them busy.

When the feed folders a publish renders, or the archive pages it renders, hold at least
:data:`PARALLEL_MIN_POSTS` posts, they are sent in chunks of about :data:`CHUNK_POSTS`
posts to the render workers (a :class:`~copro_feeds._sandbox.Sandbox` of one fresh
interpreter per core, four at most, started for such a publish and stopped after it, so that they
hold no memory between the rare big publishes);
fewer are rendered in the publishing process (the archive's newest page after a small
change: its posts are sent to the workers only when they render its pages). The chunks'
files come back in the order one process would render them, and the files rendered once
per publish (stylesheets, OPML, the roundup, the archive's list of months) are rendered
in the publishing process in their place meanwhile, so the bytes and their order are the
same either way. At most
``2 * workers`` chunks are rendered ahead of the file being written, so memory holds a
bounded number of folders' files.

A worker builds its :class:`~copro_feeds._publish._folders.FolderRenderer` once per
publish: the first chunk it gets without it answers that it needs the publish's
:class:`~copro_feeds._publish._folders.Shared`, which is then sent (pickled once per
publish, sent once per worker) with the chunk again. A template error in a worker
raises the same PublishError as in one process; a worker that dies or overruns
:data:`RENDER_SECONDS` raises a PublishError naming the chunk's folders. Warnings logged
in a worker (an entry a format refuses) are logged again by the publishing process.
"""

from __future__ import annotations

import logging
import os
import pickle
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from copro_feeds._publish._archive import ArchiveDocument
from copro_feeds._publish._folders import Folder, FolderRenderer, Shared
from copro_feeds._publish._model import FeedContent
from copro_feeds._sandbox import NO_MEMORY_LIMIT, Role, Sandbox
from copro_feeds.exceptions import PublishError

log = logging.getLogger("copro_feeds")

PARALLEL_MIN_POSTS = 2000
"""The posts (summed over the folders to render) from which rendering them in the
workers pays for sending them there (see docs/performance.md)."""
CHUNK_POSTS = 400
"""About how many posts a worker renders per call: a few hundred milliseconds."""
RENDER_SECONDS = 600.0
"""A chunk's time limit: far beyond any chunk's rendering, so only a stuck worker hits it."""
MAX_RENDER_WORKERS = 4
"""Render workers at most, whatever the cores: the publishing process's own share of a
big publish (the manifest's digests, the writes: about a sixth of it at 1,000 feeds) soon
bounds what more workers win, while each holds its own copy of what the folders share
(about 200 MB at 1,000 feeds while the publish runs)."""

Files = list[tuple[str, bytes]]
Local = Callable[[], Iterable[tuple[str, bytes]]]
"""Files rendered in the publishing process, in their place among the folders."""
Step = Folder | Local
_Logged = list[tuple[int, str]]
_FOLDERS = (FeedContent, ArchiveDocument)


class _WorkerFailure(PublishError):
    """A render worker died, ran out of memory or time, or failed outside our code."""


class _SharedMissing(PublishError):
    """A worker was sent a chunk of a publish whose :class:`Shared` it does not hold."""


RENDERING = Role(
    worker="renderer",
    activity="rendering",
    error=_WorkerFailure,
    modules=("copro_feeds._publish._parallel",),
)
"""Render workers: they load feedgen, lxml, Jinja2 and Babel as they start."""


def render_pool() -> Sandbox | None:
    """Render workers, one per core up to :data:`MAX_RENDER_WORKERS` (started when a
    publish needs them, stopped after it), or None on a single core."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cores = len(usable) if usable is not None else os.cpu_count() or 1  # the ones we may use
    workers = min(cores, MAX_RENDER_WORKERS)
    if workers < 2:
        return None
    return Sandbox(
        workers=workers, memory_bytes=NO_MEMORY_LIMIT, seconds=RENDER_SECONDS, role=RENDERING
    )


def render_steps(
    steps: Sequence[Step], shared: Shared, renderer: FolderRenderer, pool: Sandbox | None
) -> Iterator[tuple[str, bytes]]:
    """Each step's files, in order: a folder's rendered by ``renderer``, a local step's by
    calling it; but with a ``pool``, each run of consecutive folders holding at least
    :data:`PARALLEL_MIN_POSTS` posts is rendered by its workers (with ``shared``)."""
    work = _planned(steps, renderer) if pool is not None else []
    chunks = [item for item in work if isinstance(item, list)]
    if pool is None or not chunks:
        for step in steps:
            yield from renderer.render(step) if isinstance(step, _FOLDERS) else step()
        return
    yield from _in_parallel(work, shared, pool)


def _in_parallel(
    work: Sequence[list[Folder] | Local], shared: Shared, pool: Sandbox
) -> Iterator[tuple[str, bytes]]:
    """Render the chunks of ``work`` on ``pool``, up to ``2 * workers`` ahead, and yield
    every file in order (the local steps' rendered here when their turn comes)."""
    token = uuid.uuid4().hex
    packed = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
    ahead = 2 * pool.workers
    futures: dict[int, Future[tuple[Files, _Logged]]] = {}
    submitted = 0
    try:
        with ThreadPoolExecutor(pool.workers, thread_name_prefix="copro-render") as threads:
            try:
                for index, item in enumerate(work):
                    while submitted < len(work) and len(futures) < ahead:
                        chunk = work[submitted]
                        if isinstance(chunk, list):
                            futures[submitted] = threads.submit(
                                _render_remotely, pool, token, packed, chunk
                            )
                        submitted += 1
                    if isinstance(item, list):
                        files, logged = futures.pop(index).result()
                        for level, message in logged:
                            log.log(level, "%s", message)
                        yield from files
                    else:
                        yield from item()
            finally:  # a failed render or write: start no more chunks
                for future in futures.values():
                    future.cancel()
    finally:
        pool.stop_idle()  # their memory back until the next big publish


def _render_remotely(
    pool: Sandbox, token: str, packed: bytes, chunk: list[Folder]
) -> tuple[Files, _Logged]:
    try:
        try:
            return pool.call(render_chunk, token, None, chunk)
        except _SharedMissing:
            return pool.call(render_chunk, token, packed, chunk)
    except _WorkerFailure as error:
        raise PublishError(f"cannot render {_names(chunk)}: {error}") from error


_renderers: dict[str, FolderRenderer] = {}
"""In a render worker: the renderer of the publish in progress, by its token."""


def render_chunk(
    token: str, packed: bytes | None, chunk: Sequence[Folder]
) -> tuple[Files, _Logged]:
    """In a render worker: every file of ``chunk``'s folders, and what was logged.

    ``packed`` is the publish's pickled :class:`Shared`, or None to use the one this
    worker holds for ``token`` (_SharedMissing when it holds none)."""
    renderer = _renderers.get(token)
    if renderer is None:
        if packed is None:
            raise _SharedMissing(token)
        _renderers.clear()  # the previous publish's is done with
        shared = pickle.loads(packed)  # noqa: S301 (our own publishing process's, over our socket)
        renderer = _renderers[token] = FolderRenderer(shared)
    with _logged() as logged:
        files = [file for folder in chunk for file in renderer.render(folder)]
    return files, logged


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.logged: _Logged = []

    def emit(self, record: logging.LogRecord) -> None:
        self.logged.append((record.levelno, record.getMessage()))


@contextmanager
def _logged() -> Iterator[_Logged]:
    """What ``copro_feeds`` logs in the block, as (level, message) pairs."""
    collector = _Collector()
    log.addHandler(collector)
    try:
        yield collector.logged
    finally:
        log.removeHandler(collector)


def _planned(steps: Sequence[Step], renderer: FolderRenderer) -> list[list[Folder] | Local]:
    """The steps as work: each run of consecutive folders in chunks of about
    :data:`CHUNK_POSTS` posts for the workers when the run holds at least
    :data:`PARALLEL_MIN_POSTS` posts, else each of its folders rendered here."""
    work: list[list[Folder] | Local] = []
    run: list[Folder] = []
    for step in steps:
        if isinstance(step, _FOLDERS):
            run.append(step)
            continue
        work += _run(run, renderer)
        run = []
        work.append(step)
    return work + _run(run, renderer)


def _run(folders: list[Folder], renderer: FolderRenderer) -> list[list[Folder] | Local]:
    if sum(_posts(folder) for folder in folders) < PARALLEL_MIN_POSTS:
        return [partial(renderer.render, folder) for folder in folders]
    chunks: list[list[Folder] | Local] = []
    chunk: list[Folder] = []
    posts = 0
    for folder in folders:
        chunk.append(folder)
        posts += _posts(folder)
        if posts >= CHUNK_POSTS:
            chunks.append(chunk)
            chunk, posts = [], 0
    return [*chunks, chunk] if chunk else chunks


def _posts(folder: Folder) -> int:
    return len(folder.entries if isinstance(folder, FeedContent) else folder.page.entries)


def _names(chunk: Sequence[Folder]) -> str:
    """The folders of ``chunk``: ``sources/a/, sources/b/, tags/c/ and 7 more folders``."""
    names = [
        (folder.info.folder if isinstance(folder, FeedContent) else folder.page.folder) or "./"
        for folder in chunk
    ]
    shown = ", ".join(names[:3])
    return f"{shown} and {len(names) - 3} more folders" if len(names) > 3 else shown
