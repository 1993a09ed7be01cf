"""Files: answers files, and snapshots of a repo to prove that nothing was written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any


def write_answers(path: Path, data: dict[str, Any] | str | bytes) -> Path:
    """An answers file: a dict as JSON (JSON is YAML), text or bytes as given."""
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def snapshot(root: Path, ignore: tuple[str, ...] = (".spectro-wizard/lock", ".spectro-wizard/.gitignore")) -> dict[str, Any]:
    """Every file and link under `root` (links as ('link', target), files as (bytes, mode)), to compare
    before/after."""
    out: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if rel in ignore:
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif not stat.S_ISREG(st.st_mode):  # a FIFO or a device: its kind, never its (endless) content
                out[rel] = ("special", stat.S_IFMT(st.st_mode))
            else:
                out[rel] = (p.read_bytes(), st.st_mode & 0o7777)
    return out


def assert_nothing_written(root: Path, before: dict[str, Any]) -> None:
    after = snapshot(root)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (added or removed or changed), f"files written: added={added} removed={removed} changed={changed}"
