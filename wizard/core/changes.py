"""One file's planned change: its text before and after, and the masked diff a person reviews."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from wizard.core.diff import unified_diff
from wizard.core.mask import mask_diff


@dataclass
class FileChange:
    rel: str
    path: Path
    before: str
    after: str
    kind: str = "config"  # "config" | "package.json" | "index.ts" | "apis.ts" | "App.tsx" | "module"
    created: bool = False  # a new file (the in-app module): `before` is empty, the file does not exist yet

    @property
    def sha256_before(self) -> str:
        return hashlib.sha256(self.before.encode("utf-8")).hexdigest()

    def diff(self, masked: bool = True) -> str:
        lines = unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile="/dev/null" if self.created else f"a/{self.rel}",
            tofile=f"b/{self.rel}",
        )
        out = []
        for line in lines:
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
        text = "".join(out)
        # strict: a literal clientId is masked too (the support report treats it the same way); each
        # line is masked as it reads in its whole file (a hunk may start inside a secret block)
        return mask_diff(text, strict=True, before=self.before, after=self.after) if masked else text
