"""The HTTP API: the app's engine and index over JSON. `python -m retrieval serve`.

It takes its engine from `retrieval.service`, like the Streamlit app, so it answers from
the same index and switches to a new build (from the command line, the Admin page or
this API) within a few seconds. Admin endpoints need the API key whose hash is in
POLICY_QA_API_KEY_HASH; every error is JSON `{"error": …}`, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields
from typing import Annotated, Any, get_type_hints

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from . import followup
from .documents import AUTHORITIES, USER_ADDED, DocumentMeta
from .engine import CITATION_JSON_OMITS, MAX_QUESTION_CHARS, Citation, Engine, QuestionError, Settings
from .kdf import BadHash, verify_secret
from .library import Library
from .readers import DocumentRejected, max_upload_bytes
from .scope import Scope
from .service import EngineService, shared_service

log = logging.getLogger("policy_qa.api")

ENV_API_KEY_HASH = "POLICY_QA_API_KEY_HASH"
ENV_RATE_PER_MIN = "POLICY_QA_API_RATE_PER_MIN"
ENV_BURST = "POLICY_QA_API_BURST"
ENV_CORS_ORIGINS = "POLICY_QA_API_CORS_ORIGINS"

# Probes from a load balancer are neither rate-limited nor authenticated.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
UPLOAD_PATH = "/v1/documents"
# Bounds on one question's context; the question itself is checked by the engine.
MAX_HISTORY = 20
MAX_TEXT_CHARS = 2 * MAX_QUESTION_CHARS
MAX_SCOPE_ITEMS = 100


@dataclass(frozen=True)
class ApiConfig:
    api_key_hash: str = field(default="", repr=False)
    rate_per_min: float = 120.0
    burst: int = 30
    max_json_bytes: int = 64 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, **overrides) -> ApiConfig:
        env = os.environ
        values: dict[str, Any] = dict(
            api_key_hash=env.get(ENV_API_KEY_HASH, "").strip(),
            rate_per_min=float(env.get(ENV_RATE_PER_MIN) or 120),
            burst=int(env.get(ENV_BURST) or 30),
            max_upload_bytes=max_upload_bytes(),
            cors_origins=tuple(o.strip() for o in env.get(ENV_CORS_ORIGINS, "").split(",") if o.strip()),
        )
        values.update(overrides)
        return cls(**values)


# ---- rate limiting -----------------------------------------------------------------------


class RateLimiter:
    """A token bucket per client address, in this process only (each replica limits separately).

    `burst` requests at once, then `per_min` a minute. Clients whose buckets are full
    again are forgotten first when more than `max_clients` are tracked, so memory stays
    bounded however many addresses call.
    """

    def __init__(self, per_min: float, burst: int, max_clients: int = 10_000, clock=time.monotonic) -> None:
        self.rate = per_min / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it could."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate if self.rate > 0 else 3600.0
            self._buckets[client] = (tokens, now)  # most recently seen last
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


# ---- request size ------------------------------------------------------------------------


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large (limit {limit} bytes)")


def _json_error(status: int, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


class GuardMiddleware:
    """Per-client rate limit, then a body size limit (declared or streamed), before any parsing."""

    def __init__(self, app, config: ApiConfig, limiter: RateLimiter) -> None:
        self.app = app
        self.config = config
        self.limiter = limiter

    def _limit(self, scope) -> int:
        if scope["path"] == UPLOAD_PATH and scope["method"] == "POST":
            return self.config.max_upload_bytes + 64 * 1024  # the file plus its form fields
        return self.config.max_json_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] not in UNLIMITED_PATHS:
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limiter.take(client)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                response = _json_error(429, f"too many requests; retry after {seconds} s", {"Retry-After": str(seconds)})
                return await response(scope, receive, send)
        limit = self._limit(scope)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _json_error(413, f"request body too large (limit {limit} bytes)")(scope, receive, send)

        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # raised outside the routes' error handling
            if not started:
                await _json_error(413, exc.detail)(scope, receive, send)


# ---- request and response shapes -----------------------------------------------------------


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_TEXT_CHARS, description="the question, Chinese or English")
    history: list[Annotated[str, Field(max_length=MAX_TEXT_CHARS)]] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="earlier questions, oldest first"
    )
    top_k: int | None = Field(default=None, ge=1, le=50)
    doc_ids: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=MAX_SCOPE_ITEMS)
    authorities: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=len(AUTHORITIES))


# The engine's Citation as its JSON has it: one field list for the CLI and the API.
_citation_types = get_type_hints(Citation)
_citation_json_fields = [f.name for f in fields(Citation) if f.name not in CITATION_JSON_OMITS]
CitationOut = create_model(
    "CitationOut",
    # rank first, as in Citation.to_json
    **{name: (_citation_types[name], ...) for name in sorted(_citation_json_fields, key=lambda name: name != "rank")},
)


class AnswerOut(BaseModel):
    question: str
    answerable: bool
    answer: str
    dense: bool
    citations: list[CitationOut]
    timings_ms: dict[str, float]
    understood_as: str | None = Field(default=None, description="present when history completed the question")


# ---- the app ----------------------------------------------------------------------------


def create_app(
    settings: Settings | None = None,
    config: ApiConfig | None = None,
    service: EngineService | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    config = config or ApiConfig.from_env()
    service = service or shared_service(settings)
    limiter = RateLimiter(config.rate_per_min, config.burst)
    verified: dict[str, bytes] = {}  # the digest of the last key that passed the KDF, to skip it next time

    if not config.api_key_hash:
        log.warning("admin endpoints are off: set %s (python -m retrieval.kdf --new-api-key)", ENV_API_KEY_HASH)

    def load_in_background() -> None:
        try:
            service.get()
        except Exception:
            log.exception("the engine could not be opened")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # /healthz answers at once; /readyz says 503 until the index is loaded.
        threading.Thread(target=load_in_background, name="policy-qa-engine-open", daemon=True).start()
        yield

    app = FastAPI(
        title="政策问答 Policy Q&A API",
        version="1",
        description="Questions about 人社部发〔2025〕27号 and its interpretation, answered with cited clauses.",
        lifespan=lifespan,
    )
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-API-Key"],
        )
    app.add_middleware(GuardMiddleware, config=config, limiter=limiter)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return _json_error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _json_error(400, "the body is not valid JSON")
        details = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors[:10]]
        return _json_error(422, "invalid request: " + "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details), details=details)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("error serving %s %s", request.method, request.url.path)
        return _json_error(500, "internal server error")

    def engine() -> Engine:
        current = service.engine
        if current is None:
            raise HTTPException(503, "the index is still loading", headers={"Retry-After": "2"})
        return current

    def require_admin(request: Request) -> None:
        key = request.headers.get("x-api-key", "")
        auth = request.headers.get("authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if not (key and config.api_key_hash and _key_ok(key)):
            raise HTTPException(
                401, "a valid API key is required (X-API-Key or Authorization: Bearer)", headers={"WWW-Authenticate": "Bearer"}
            )

    def _key_ok(key: str) -> bool:
        digest = hashlib.sha256(key.encode()).digest()
        if hmac.compare_digest(verified.get("key", b""), digest):
            return True
        try:
            ok = verify_secret(key, config.api_key_hash)
        except BadHash as exc:
            log.error("%s is malformed, admin endpoints refuse every key: %s", ENV_API_KEY_HASH, exc)
            return False
        if ok:
            verified["key"] = digest
        return ok

    # ---- public ------------------------------------------------------------------------

    @app.get("/healthz", tags=["probes"])
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["probes"])
    def readyz():
        current = service.engine
        if current is None:
            return _json_error(503, "the index is not loaded yet", {"Retry-After": "2"}, ready=False, detail=service.last_error)
        return {"ready": True, "index": asdict(current.status())}

    @app.post("/v1/ask", response_model=AnswerOut, response_model_exclude_unset=True, tags=["questions"])
    def ask(body: AskRequest) -> dict:
        """The same JSON as `python -m retrieval ask --json`, plus `understood_as` when `history`
        completed the question."""
        unknown = sorted(set(body.authorities) - set(AUTHORITIES))
        if unknown:
            raise HTTPException(422, f"unknown authorities {unknown}; use any of {list(AUTHORITIES)}")
        current = engine()
        completion = followup.complete(body.question, body.history)
        scope = Scope.of(body.doc_ids, body.authorities)
        try:
            answer = current.ask(completion.question, body.top_k, scope=scope)
        except QuestionError as exc:
            raise HTTPException(422, str(exc)) from None
        data = answer.to_json()
        if completion.rewritten:
            data["question"] = body.question
            data["understood_as"] = completion.question
        return data

    @app.get("/v1/documents", tags=["documents"])
    def list_documents() -> dict:
        return {"documents": [asdict(d) for d in Library(engine()).documents()]}

    @app.get("/v1/chunks/{chunk_id}", tags=["documents"])
    def get_chunk(chunk_id: str) -> dict:
        chunk = engine().index.chunk(chunk_id)
        if chunk is None:
            raise HTTPException(404, f"no chunk with id {chunk_id!r}")
        data = asdict(chunk)
        data.pop("context", None)  # searched, not cited
        return data

    # ---- admin -------------------------------------------------------------------------

    upload_schema = {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary", "description": "PDF, .txt, .md or .docx"},
                            "title": {"type": "string"},
                            "authority": {"type": "string", "enum": list(AUTHORITIES), "default": USER_ADDED},
                            "date": {"type": "string", "description": "YYYY-MM-DD"},
                            "issuer": {"type": "string"},
                            "number": {"type": "string", "description": "文号"},
                        },
                    }
                }
            },
        }
    }

    @app.post(
        "/v1/documents", status_code=201, dependencies=[Depends(require_admin)], openapi_extra=upload_schema,
        tags=["admin"],
    )
    async def add_document(request: Request) -> dict:
        """Add a file and re-index (admin). The form is read only after the key is checked."""
        form = await request.form(max_files=1, max_fields=10, max_part_size=64 * 1024)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise HTTPException(422, "a multipart form with a 'file' field is required")
            data = await upload.read()
            meta = {k: str(form.get(k) or "") for k in ("title", "authority", "date", "issuer", "number")}
            filename = upload.filename or "upload"
        finally:
            await form.close()
        if meta["authority"] and meta["authority"] not in AUTHORITIES:
            raise HTTPException(422, f"unknown authority {meta['authority']!r}; use one of {list(AUTHORITIES)}")
        current = engine()
        try:
            result = await run_in_threadpool(
                Library(current).add,
                data,
                filename,
                DocumentMeta(
                    title=meta["title"] or None,
                    authority=meta["authority"] or USER_ADDED,
                    date=meta["date"],
                    issuer=meta["issuer"],
                    number=meta["number"],
                ),
            )
        except DocumentRejected as exc:
            raise HTTPException(409 if exc.code == "duplicate" else 400, str(exc)) from None
        return {
            "document": result.document.metadata(),
            "chunks": result.chunks,
            "pages": result.pages,
            "seconds": result.seconds,
        }

    @app.delete("/v1/documents/{doc_id}", dependencies=[Depends(require_admin)], tags=["admin"])
    def remove_document(doc_id: str) -> dict:
        """Remove an added document and re-index (admin)."""
        try:
            result = Library(engine()).remove(doc_id)
        except DocumentRejected as exc:
            status = {"not_found": 404, "not_removable": 403}.get(exc.code, 400)
            raise HTTPException(status, str(exc)) from None
        return {"removed": result.document.doc_id, "title": result.document.title, "seconds": result.seconds}

    @app.post("/v1/rebuild", dependencies=[Depends(require_admin)], tags=["admin"])
    def rebuild() -> dict:
        """Re-read the corpus and rebuild the index (admin)."""
        current = engine()
        Library(current).rebuild()
        return {"index": asdict(current.status())}

    return app
