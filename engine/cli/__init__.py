"""The command line: one module per command group, each thin (parse arguments,
call the library, print).  This is the only package that knows about terminals."""
