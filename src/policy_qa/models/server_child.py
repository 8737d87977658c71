"""Runs llama.cpp's OpenAI-compatible server for as long as the process that started it lives.

``LocalLLMServer`` starts ``python -m policy_qa.models.server_child <llama_cpp.server arguments>`` and keeps the write
end of this process's stdin. When that process exits, even killed by SIGKILL, the pipe closes, the read below
returns, and the server exits too: no orphan server holding 2 GB.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading


def _exit_when_parent_goes() -> None:
    sys.stdin.buffer.read()  # returns at end of file: the parent has closed the pipe, or is gone
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
