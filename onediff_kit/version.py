"""The package version, semantic versioning (MAJOR.MINOR.PATCH).

Before 1.0.0 a MINOR release may change what a user or plugin author must
do; CHANGELOG.md says what and how to migrate. setup.py reads it.
"""
__version__ = '0.2.0'
