"""The files an evaluator opens in their own tools: SPSS, Stata, R and a Frictionless package.

Every writer is a pure function of the export's column plan and its released rows (what
``dataset.released_batches`` yields), so a release can build its files from the same inputs as
the CSV. The missing-value convention they all share is in ``missing.py``.
"""
