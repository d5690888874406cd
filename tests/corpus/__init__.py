"""An independent corpus of small FastAPI apps for ``paramleak.audit``.

Each module exposes ``app`` and says in its docstring what it does and what the audit must
report. The apps were written apart from ``repro/`` and ``fixes/``: other domains, other
error formats, merges in other places. ``tests/test_audit_corpus.py`` holds the table of
expected findings and a valid request per app, and checks both the apps and the audit.
"""
