"""CLI subcommands: each module has ``register(subparsers)`` and a ``run(args) -> int``.

Modules here must import their heavy dependencies inside ``run`` so that
``duizhao review`` never imports litellm or FastAPI.
"""
