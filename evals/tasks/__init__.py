"""Tasks: a dataset + a solver (the product's own pipeline) + scorers.

- :mod:`evals.tasks.review`: the deterministic reviewer on the labelled dev set.
- :mod:`evals.tasks.draft`: the drafting pipeline (draft → review → critique → revise)
  on member notes, model responses replayed from ``evals/cassettes/`` (or live).
- :mod:`evals.tasks.critique`: the LLM critique pass (``service.critique``) on the
  labelled reviewer documents, replayed likewise.
- :mod:`evals.tasks.replay`: running a solver with vcrpy replaying (or recording) the
  backend's HTTP traffic; shared by the tasks and ``evals/make_cassettes.py``.
"""
