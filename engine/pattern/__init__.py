"""The filter-pattern language: the ground floor every other package stands on.

text --grammar--> AST --analysis--> fields, literals, findings
                   |--compiler--> fast matcher      (production)
                   `--reference--> slow interpreter (the oracle for property tests)

Nothing here imports from the rest of ``engine``.
"""
