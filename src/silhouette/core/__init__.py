"""The measurement core: pure geometry on landmarks and a person mask.

NumPy (and a little OpenCV and SciPy for sampling and filtering) with no
model, no file and no application: this package imports neither
``silhouette.backends`` nor ``silhouette.apps`` (checked in CI by
import-linter, see ``pyproject.toml``).
"""
