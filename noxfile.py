"""The CI matrix, locally: ``nox -l`` lists the sessions, ``nox`` runs them all.

- ``lint``: ruff check, ruff format --check, mypy (strict).
- ``tests``: the suite on every supported Python.
- ``compat``: the suite on one Python against the oldest and the newest pydantic and FastAPI
  that the package declares it works with.

Each session needs its interpreter on PATH as ``python3.X`` (with pyenv:
``pyenv global 3.11 3.10 3.12 3.13``, or the versions' ``bin`` folders on PATH). Arguments
after ``--`` go to pytest, e.g. ``nox -s tests-3.12 -- -n 0 -x``.
"""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "tests", "compat"]
nox.options.default_venv_backend = "venv"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
COMPAT_PYTHON = "3.12"

# The floors are the lower bounds of pyproject.toml's dependencies; "latest" is whatever the
# package index serves today. Keep them in step with pyproject.toml and README's Compatibility.
PYDANTIC_FLOOR = "2.12.0"
FASTAPI_FLOOR = "0.115.0"


def _pytest(session: nox.Session) -> None:
    """The suite with the derandomized ``ci`` Hypothesis profile (unless HYPOTHESIS_PROFILE
    names another); extra arguments pass on to pytest."""
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    session.run("python", "-m", "pytest", *session.posargs, env={"HYPOTHESIS_PROFILE": profile})


def _versions(session: nox.Session) -> None:
    """Print what the session is actually testing against."""
    session.run(
        "python",
        "-c",
        "import sys, fastapi, pydantic, starlette; print("
        "f'python {sys.version.split()[0]}, pydantic {pydantic.VERSION}, "
        "fastapi {fastapi.__version__}, starlette {starlette.__version__}')",
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check and mypy --strict, as .ci/run does."""
    # external/ and bench/ are type-checked too, against the bench extra's packages.
    session.install("-e", ".[test,bench]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite on one supported Python, with the newest dependencies."""
    session.install("-e", ".[test]")
    _versions(session)
    _pytest(session)


@nox.session(python=COMPAT_PYTHON)
@nox.parametrize(
    ("pydantic", "fastapi"),
    [
        nox.param(PYDANTIC_FLOOR, FASTAPI_FLOOR, id="pydantic-floor-fastapi-floor"),
        nox.param(PYDANTIC_FLOOR, "latest", id="pydantic-floor-fastapi-latest"),
        nox.param("latest", FASTAPI_FLOOR, id="pydantic-latest-fastapi-floor"),
        nox.param("latest", "latest", id="pydantic-latest-fastapi-latest"),
    ],
)
def compat(session: nox.Session, pydantic: str, fastapi: str) -> None:
    """The whole suite against one pydantic x FastAPI combination (a version or "latest")."""
    session.install("-e", ".[test]")
    pins = [
        name if version == "latest" else f"{name}=={version}"
        for name, version in (("pydantic", pydantic), ("fastapi", fastapi))
    ]
    # A second install moves only these two (and what they require, such as starlette).
    session.install("--upgrade", *pins)
    _versions(session)
    _pytest(session)
