"""Shared fixtures for integration tests: they run the real `xenarm` binary built by `make build`."""
import os
import pathlib
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def xenarm() -> str:
    path = os.environ.get("XENARM", str(REPO / ".build" / "release" / "xenarm"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"xenarm binary not found at {path}: run `make build` first")
    return path


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO
