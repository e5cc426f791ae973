"""The version, in a leaf: every module may import it without importing the package root.

pyproject.toml reads it from here (``[tool.setuptools.dynamic]``), so it is written once.
"""

__version__ = "0.1.0"
