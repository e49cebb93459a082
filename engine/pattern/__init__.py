"""The filter-pattern language: the ground floor every other package stands on.

text --grammar--> AST --analysis--> fields, literals, findings
                   |--compiler--> fast matcher      (production)
                   `--reference--> slow interpreter (the oracle for property tests)
%regex% --regex_ir--> regex IR --> RE2 translation, required literals (regex),
                                   z3 encoding (engine.prove._regex)

Nothing here imports from the rest of ``engine``.
"""
