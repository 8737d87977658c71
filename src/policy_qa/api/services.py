"""What the routes share (knowledge bases, access, jobs, the answering threads) and the dependencies that hand
it to them: the request's caller, and the knowledge base it names once access to it is checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from .access import Access, Caller
from .errors import ApiError
from .jobs import Jobs
from .registry import KnowledgeBase, KnowledgeBases
from .streaming import Answering


@dataclass
class Services:
    """The state of one API server."""

    kbs: KnowledgeBases
    access: Access
    jobs: Jobs = field(default_factory=Jobs)
    answering: Answering = field(default_factory=Answering)

    def knowledge_base(self, caller: Caller, name: str | None, *, write: bool = False) -> KnowledgeBase:
        """The knowledge base ``name`` (None: the default) once ``caller`` may use it; 403 before 404, so a
        caller learns nothing of a base outside its key."""
        name = self.kbs.default.name if name is None else name
        caller.check(name, write=write)
        base = self.kbs.get(name)
        if base is None:
            raise ApiError(404, f"知识库「{name}」不存在。", param="kb", code="kb_not_found")
        return base


def services(request: Request) -> Services:
    return request.app.state.services


def caller(request: Request) -> Caller:
    """The request's caller (``ApiError`` 401 when it may not use the API)."""
    return services(request).access.caller(request.headers.get("authorization"))


CallerDep = Annotated[Caller, Depends(caller)]
ServicesDep = Annotated[Services, Depends(services)]
