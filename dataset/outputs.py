"""Where a stage's outputs go: a work folder inside the output folder, written in full and then
moved into place, so that a build or release that fails, is stopped or runs out of disk leaves
the earlier one whole.

A folder that cannot be written in, and a disk that fills up on the way (whatever library was
writing: Python, polars, pyarrow, Ray), end as one `OutputError` naming the folder and the
reason, not as the writer's own traceback.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import fnmatch
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .read import is_utf8, shown_path
from .state import SIGNATURES, STATE_DIR, STATE_FILE

WORK_PREFIX = ".build-"  # work folders in an output folder, one per running build or release
# A work folder nothing holds, untouched this long, is a killed build's (the wait covers the
# moment between a build making its folder and taking hold of it).
ABANDONED_AFTER_SECONDS = 60
# Failures that mean the disk (or the user's share of it) has no room for the outputs.
OUT_OF_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# How polars words a failed write whose system error it did not keep.
WRITE_FAILED = ("underlying IO error", "transport error")
LOW_ROOM_BYTES = 1 << 20  # free space under which a failed write is put down to a full disk
# What a stage writes into a folder of its own (file-name patterns), by the folder's name;
# any other folder an output is moved into holds parquet parts.
MADE_FILES = {
    STATE_DIR: (STATE_FILE, SIGNATURES),
    "models": ("*.skops", "*.json", "*.md"),  # `talks baselines`: a model and its card per task
}
PARTS = ("*.parquet",)


class OutputError(OSError):
    """The output folder cannot hold the outputs: a file, not UTF-8, read-only, full."""


def out_of_room(exc: BaseException, folder: Path | None = None) -> str | None:
    """The reason ("No space left on device") when exc, or an error it was raised from, says the
    disk is full; None otherwise. polars, pyarrow and Ray report it in their own exception types,
    with the system's message in the text, so the text is read as well as `errno`. polars loses
    that message when the write that fails is a parquet footer's: then a failed write in
    `folder` is put down to a want of room if there is none left there now."""
    chain = list(_causes(exc))
    for cause in chain:
        if isinstance(cause, OSError) and cause.errno in OUT_OF_ROOM:
            return os.strerror(cause.errno)
        for code in OUT_OF_ROOM:
            if os.strerror(code) in str(cause):
                return os.strerror(code)
    if folder is not None and any(failed in str(c) for c in chain for failed in WRITE_FAILED):
        return _no_room_left(folder)
    return None


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _no_room_left(folder: Path) -> str | None:
    """Why a file in folder cannot grow now, if it is for want of room."""
    if shutil.disk_usage(folder).free < LOW_ROOM_BYTES:
        return os.strerror(errno.ENOSPC)
    limit, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if limit != resource.RLIM_INFINITY:
        return f"{os.strerror(errno.EFBIG)}: files are limited to {limit:,} bytes (ulimit -f)"
    return None


@contextlib.contextmanager
def work_folder(out_dir: Path, label: str | None = None) -> Iterator[Path]:
    """A fresh folder inside out_dir (made if need be) for the outputs before they are moved
    into place, held (flock) while the block runs and removed after it. Work folders that
    builds killed on the way left (nothing holds them) are removed first: each can hold
    gigabytes of parts, out of sight. An out_dir made here and left empty (the block failed) is
    removed again. `label` names out_dir in errors (default: --out DIR)."""
    label = label or f"--out {shown_path(out_dir)}"
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{label} is a file, not a folder")
    if not is_utf8(str(out_dir)):  # parquet writers take UTF-8 paths only
        raise OutputError(f"{label}: the path is not UTF-8; choose another")
    made = not out_dir.exists()
    try:  # a file on the way, a read-only or virtual file system
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_work_folders(out_dir)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out_dir))
    except OSError as exc:
        raise OutputError(f"{label}: cannot write there: {exc.strerror}") from exc
    try:
        with _folder_held(work, wait=False):
            yield work
    except Exception as exc:
        reason = out_of_room(exc, work)
        if reason is None:
            raise
        written = _bytes_under(work)
        shutil.rmtree(work, ignore_errors=True)  # now: the free space told is what is left
        raise OutputError(
            f"{label}: no room for the outputs ({reason}) after {_megabytes(written)} of them "
            "were written; what the folder held before is unchanged, and "
            f"{_megabytes(shutil.disk_usage(out_dir).free)} are free there now: make room or "
            "choose another folder"
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if made:
            with contextlib.suppress(OSError):  # not empty: the outputs are in place
                out_dir.rmdir()


def write_whole(
    path: Path, data: bytes, *, overwrite: bool = True, private: bool = False, label: str
) -> bool:
    """Write a file whole or not at all: in a work folder beside it, synced, then given its
    name (os.replace), so that a full disk or a crash leaves what was there before, never a
    cut-off file. With overwrite=False the name is taken only if free, even against another
    process doing the same; returns whether the file was written. `private`: owner-only
    (mode 0600) from the start. `label` names the folder in errors."""
    with work_folder(path.parent, label=label) as work:
        draft = work / path.name
        descriptor = os.open(
            draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666
        )
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(draft, path)
            return True
        try:
            os.link(draft, path)  # fails when the name is taken
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links (FAT, some network shares)
            if path.exists():
                return False
            os.replace(draft, path)
        return True


def _bytes_under(folder: Path) -> int:
    return sum(
        entry.stat().st_size
        for entry in folder.rglob("*")
        if entry.is_file() and not entry.is_symlink()
    )


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:,.0f} KB"


def _remove_abandoned_work_folders(out_dir: Path) -> None:
    for folder in out_dir.glob(f"{WORK_PREFIX}*"):
        if folder.is_symlink() or not folder.is_dir():
            continue
        if time.time() - folder.stat().st_mtime < ABANDONED_AFTER_SECONDS:
            continue
        with _folder_held(folder, wait=False) as held:
            if held:
                shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _folder_held(folder: Path, wait: bool) -> Iterator[bool]:
    """An exclusive flock on a folder for the block; yields whether it was had: not when
    another process holds it and `wait` is False, nor on a file system without such locks
    (then nothing is removed, and concurrent builds are not kept apart)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            yield False
        else:
            yield True
    finally:
        os.close(handle)


def move_into_place(work: Path, out_dir: Path, names: Iterable[str]) -> None:
    """Replace the outputs in out_dir by the finished ones in work, every entry of `names`, with
    Ctrl-C held back until all are in place. A build that fails or is stopped before this
    leaves the earlier one whole; out_dir never holds parts of two, even when two builds into
    it finish at once (out_dir is held while they move)."""
    names = list(names)
    with _folder_held(out_dir, wait=True), _interrupts_held():
        refuse_users_folders(out_dir, [name for name in names if (work / name).exists()])
        for name in names:
            new, old = work / name, out_dir / name
            if old.is_dir() and not old.is_symlink() and written_by_a_build(old):
                shutil.rmtree(old)
            if new.exists():
                os.replace(new, old)
            elif not old.is_dir():  # a folder of the user's with an output's name stays
                old.unlink(missing_ok=True)


def refuse_users_folders(out_dir: Path, names: Iterable[str]) -> None:
    """OutputError if an output folder of one of these names would replace a folder in out_dir
    that holds files of the user's. move_into_place checks before it moves anything (found on
    the way, the move would stop with the outputs half moved); a long stage checks before it
    starts, too."""
    for name in names:
        old = out_dir / name
        if not old.is_dir() or old.is_symlink():
            continue
        theirs = sorted(entry.name for entry in old.iterdir() if not _made_here(old, entry))
        if theirs:
            raise OutputError(
                f"{shown_path(old)} holds files that are not this command's outputs "
                f"({', '.join(theirs[:3])}{', ...' if len(theirs) > 3 else ''}), and an output "
                "goes there: move them, or choose another folder; nothing was replaced"
            )


def _made_here(folder: Path, entry: Path) -> bool:
    made = MADE_FILES.get(folder.name, PARTS)
    return entry.is_file() and any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in made)


def written_by_a_build(folder: Path) -> bool:
    """Whether a folder in an output folder holds only what a stage writes there (parquet
    parts; state files; saved models), so replacing it loses nothing of the user's: `--out
    data` with the raw pages in `data/dumps/` must not lose them."""
    return all(_made_here(folder, entry) for entry in folder.iterdir())


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C pressed inside the block takes effect when it is done. Signal handlers can only
    be set in the main thread: a build run in another thread is not held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
    if pressed:
        signal.raise_signal(signal.SIGINT)  # to the handler there was: KeyboardInterrupt
