"""Shared fixtures of the Python module's tests. ctest runs them with PYTHONPATH=<build>/python and
FLIPGUARD_BINARY (the CLI of the same build) set; FLIPGUARD_SOURCE_DIR is the project."""

import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("FLIPGUARD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir() -> pathlib.Path:
    return SOURCE_DIR


@pytest.fixture(scope="session")
def models_dir() -> str:
    return str(SOURCE_DIR / "models")


@pytest.fixture(scope="session")
def cli() -> str:
    binary = os.environ.get("FLIPGUARD_BINARY", str(SOURCE_DIR / "build" / "flipguard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary}: the flipguard CLI is missing (set FLIPGUARD_BINARY)")
    return binary
