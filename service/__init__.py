"""duizhao (对照): drafting and reviewing 个人对照检查材料.

The import package is ``service``; the distribution and the command are ``duizhao``.
Importing this package (and the review core) must stay light: no litellm, no FastAPI.
"""

__version__ = "0.1.0"
