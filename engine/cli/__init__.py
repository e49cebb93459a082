"""The command line: one module per command group, each thin (parse arguments,
call the library, print).  This is the only package that knows about terminals."""

from typing import Annotated

from engine.cli import commandline as cl

#: ``--max-document-size``, one option for every command that reads archives (None: the
#: library's default, ``engine.replay.formats.MAX_DOCUMENT_SIZE``; this module stays light).
MaxDocumentSize = Annotated[
    int | None,
    cl.Option(
        "--max-document-size",
        min=1,
        metavar="BYTES",
        help=(
            "Largest document or line held whole, in bytes (what cannot stream; large "
            "CloudTrail documents stream): larger is a named error.   [default: 64 MiB]"
        ),
        show_default=False,
    ),
]
