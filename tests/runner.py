"""Run the command line in the test's process, capturing what it writes (click's CliRunner,
for :mod:`engine.cli.commandline`).

``invoke(app, args)`` runs ``args`` through ``app`` as the console script would
(``engine.cli.main.run``: usage errors as one line, exit statuses) with ``sys.stdout`` and
``sys.stderr`` captured; ``env`` and ``terminal_width`` (``COLUMNS``) apply during the call.
An exception other than ``SystemExit`` is kept in ``exception`` with exit status 1, unless
``catch_exceptions=False``.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        """Standard output, then standard error."""
        return self.stdout + self.stderr


class CliRunner:
    def __init__(self, env: Mapping[str, str | None] | None = None) -> None:
        self.env = dict(env or {})

    def invoke(
        self,
        app: Any,
        args: Sequence[str] = (),
        env: Mapping[str, str | None] | None = None,
        terminal_width: int | None = None,
        catch_exceptions: bool = True,
    ) -> Result:
        from engine.cli.main import run

        changes = {**self.env, **(env or {})}
        if terminal_width is not None:
            changes["COLUMNS"] = str(terminal_width)
        saved_env = {k: os.environ.get(k) for k in changes}
        out, err = io.BytesIO(), io.BytesIO()
        saved = sys.stdout, sys.stderr
        # Held here: a wrapper collected once the streams are restored would close its buffer.
        wrappers = (
            io.TextIOWrapper(out, encoding="utf-8", write_through=True),
            io.TextIOWrapper(err, encoding="utf-8", write_through=True),
        )
        sys.stdout, sys.stderr = wrappers
        exception: BaseException | None = None
        try:
            for k, v in changes.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            try:
                code = run(app, list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception as exc:
                if not catch_exceptions:
                    raise
                exception, code = exc, 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            sys.stdout, sys.stderr = saved
            for k, old in saved_env.items():
                if old is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = old
        for w in wrappers:
            w.flush()
        stdout, stderr = (b.getvalue().decode("utf-8", "replace") for b in (out, err))
        return Result(code, stdout, stderr, exception)
