"""``policy-qa``: the command line, a thin front on ``PolicyQA``. Heavy libraries load only when a command needs them."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING

from .errors import InvalidQuestionError, PolicyQAError

if TYPE_CHECKING:
    from pathlib import Path

    from .engine import PolicyQA
    from .models.llm_client import LLMSettings
    from .schema import Answer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-qa", description="带出处的政策公报问答（离线）。Cited answers over Chinese policy bulletins, offline.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", default=os.environ.get("POLICY_QA_CORPUS", "corpus"), help="corpus folder of .txt/.md bulletins (default: $POLICY_QA_CORPUS or ./corpus)")
    common.add_argument("--index-dir", default=None, help="index folder (default: $POLICY_QA_INDEX or one per corpus under ~/.cache/policy-qa/indexes)")
    common.add_argument("--model", default=None, help="sentence-transformers model name or path (default: the offline multilingual-e5-small)")
    common.add_argument("--store", default=None, metavar="STORE", help="where the chunks are searched: faiss (default, in this process) or milvus://host:port/collection (default: $POLICY_QA_STORE)")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    llm = argparse.ArgumentParser(add_help=False)
    llm.add_argument("--answerer", default="extractive", choices=["extractive", "llm"], help="extractive (default) or llm")
    llm.add_argument("--llm-base-url", default=None, help="OpenAI-compatible endpoint (default: $POLICY_QA_LLM_BASE_URL, else the local llama.cpp server)")
    llm.add_argument("--llm-model", default=None, help="model name at the endpoint (default: $POLICY_QA_LLM_MODEL)")
    llm.add_argument("--llm-timeout", type=float, default=None, help="seconds an LLM answer may take in all (default: $POLICY_QA_LLM_TIMEOUT, or 60 remote / 120 local)")
    llm.add_argument("--llm-first-token-timeout", type=float, default=None, help="seconds to the LLM's first token (default: $POLICY_QA_LLM_FIRST_TOKEN_TIMEOUT, or 10 remote / 60 local)")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", parents=[common], help="build or refresh the index of a corpus")
    index.add_argument("corpus_arg", nargs="?", metavar="CORPUS", help="corpus folder (overrides --corpus)")
    index.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    index.add_argument("--from-faiss", action="store_true", help="with --store milvus://…: copy the existing local (FAISS) index's vectors and texts into a new collection and switch the alias to it, embedding nothing")

    ask = commands.add_parser("ask", parents=[common, llm], help="answer a question with citations")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    ask.add_argument("--stream", action="store_true", help="print the LLM's text as it comes, then the verified answer")
    ask.add_argument("--top-k", type=int, default=None, help="sections to retrieve (default 5)")
    ask.add_argument("--no-server", action="store_true", help="answer in this process even when a `policy-qa serve` of the same corpus is running")

    commands.add_parser("info", parents=[common], help="documents, sections, model and index age")

    keys_file = argparse.ArgumentParser(add_help=False)
    keys_file.add_argument("--keys", default=None, metavar="FILE", help="API keys file (default: $POLICY_QA_API_KEYS or ~/.cache/policy-qa/api-keys.json)")

    serve = commands.add_parser("serve", parents=[common, llm, keys_file], help="the web page and the HTTP API (/v1, docs at /docs) on 127.0.0.1:7860")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.add_argument("--auth", default=None, metavar="USER:PASSWORD", help="the page's password (default: $POLICY_QA_WEB_AUTH, else none)")
    serve.add_argument("--kb-name", default=None, help="the knowledge base's name in the API (default: the corpus folder's name)")
    serve.add_argument("--kb", action="append", default=[], metavar="NAME=DIR", help="several knowledge bases: a name and its corpus folder, each with its default index (repeat; the first one is the page's); instead of --corpus, --index-dir and --kb-name")

    keys = commands.add_parser("keys", help="API keys: add (printed once), list, remove")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    add_key = keys_commands.add_parser("add", parents=[keys_file], help="make a new key and print it (only this once)")
    add_key.add_argument("name", metavar="NAME", help="who or what the key is for")
    add_key.add_argument("--kb", action="append", required=True, metavar="NAME", help="a knowledge base the key may use (repeat for several)")
    add_key.add_argument("--write", action="store_true", help="may also upload, delete and re-index (default: ask and list only)")
    keys_commands.add_parser("list", parents=[keys_file], help="the keys' names, knowledge bases and rights (never the keys)")
    remove_key = keys_commands.add_parser("remove", parents=[keys_file], help="delete a key")
    remove_key.add_argument("name", metavar="NAME")

    evaluate = commands.add_parser("eval", parents=[common, llm], help="score the engine on a hand-written QA set")
    evaluate.add_argument("--dataset", default="eval/qa.jsonl", help="QA set, JSON lines (default eval/qa.jsonl)")
    evaluate.add_argument("--split", default="all", choices=["dev", "test", "all"], help="the half of the set to ask: dev (tune on it), test (report on it) or all (default)")
    evaluate.add_argument("--sample", type=int, default=None, help="N questions spread evenly over the set (for slow LLM runs)")
    evaluate.add_argument("--out", default="eval/reports/bulletin", help="folder for summary.md, summary.json, details.jsonl")
    evaluate.add_argument("--with-peers", action="store_true", help="also measure BM25 and the plain llama-index pipeline")
    evaluate.add_argument("--thresholds", default=None, help="JSON of min/max per metric (with --suite: per set name); exit 1 when one is missed")
    evaluate.add_argument("--suite", default=None, help="JSON list of sets {name, corpus, dataset}: evaluate each, one table (e.g. eval/suite.json)")
    return parser


def _llm_settings(args: argparse.Namespace) -> LLMSettings:
    from .models.llm_client import LLMSettings

    return LLMSettings.from_env(
        base_url=getattr(args, "llm_base_url", None),
        model=getattr(args, "llm_model", None),
        timeout_s=getattr(args, "llm_timeout", None),
        first_token_s=getattr(args, "llm_first_token_timeout", None),
    )


def _engine(
    args: argparse.Namespace, *, rebuild: bool = False, top_k: int | None = None, share_model_of: PolicyQA | None = None
) -> PolicyQA:
    from .engine import PolicyQA

    corpus = getattr(args, "corpus_arg", None) or args.corpus
    llm = _llm_settings(args)
    with _BuildBar() as bar:
        return PolicyQA.from_corpus(
            corpus,
            answerer=getattr(args, "answerer", "extractive"),
            index_dir=args.index_dir,
            embedding_model=args.model,
            top_k=top_k,
            rebuild=rebuild,
            llm=llm,
            progress=bar,
            share_model_of=share_model_of,
            store=args.store,
            republish=getattr(args, "from_faiss", False),
        )


class _BuildBar:
    """A tqdm bar on stderr for an index build (files read, passages embedded, characters/s), shown only when a
    build reports progress; a load that builds nothing prints nothing."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, fraction: float, message: str) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=100, file=sys.stderr, bar_format="{percentage:3.0f}%|{bar:20}| {desc}", leave=True)
        self._bar.set_description_str(message, refresh=False)
        self._bar.update(round(fraction * 100) - self._bar.n)

    def __enter__(self) -> _BuildBar:
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _print_stream(items: Iterable[str | Answer]) -> Answer:
    """Print the streamed draft on stderr as it comes; return the final answer (printed on stdout after)."""
    from .schema import Answer

    for item in items:
        if isinstance(item, Answer):
            print(file=sys.stderr, flush=True)
            return item
        print(item, end="", file=sys.stderr, flush=True)
    raise AssertionError("ask_stream always ends with an Answer")


def _format_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.note:
        lines.insert(1, f"（{answer.note}）")
    for citation in answer.citations:
        lines.append(f"[{citation.index}] {citation.section}")
        page = f" 第 {citation.page} 页" if citation.page is not None else ""
        lines.append(f"    {citation.document}{page}:{citation.line}  (字符 {citation.start}–{citation.end})")
        lines.append(f"    「{citation.quote}」")
    if answer.refused and answer.passages:
        lines.append("最接近的段落：")
        lines += [f"  - {p.section}（{p.document}{f' 第 {p.page} 页' if p.page is not None else ''}:{p.line_start}）" for p in answer.passages[:3]]
    return "\n".join(lines).rstrip()


class _EvalProgress:
    """「评测 set：k/n 题，r 题/分钟」 on one stderr line, rewritten at most every 2 s and after each set's last
    question."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[float, int]] = {}
        self._shown = 0.0

    def __call__(self, name: str, done: int, total: int) -> None:
        now = time.perf_counter()
        first_time, first_done = self._first.setdefault(name, (now, done))
        if done < total and now - self._shown < 2.0:
            return
        self._shown = now
        rate = f"，{(done - first_done) / (now - first_time) * 60:.0f} 题/分钟" if now > first_time else ""
        end = "\n" if done == total else ""
        print(f"\r评测 {name}：{done}/{total} 题{rate}", end=end, file=sys.stderr, flush=True)


def _evaluate_suite(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .evaluation.report import write_reports
    from .evaluation.runner import check_thresholds
    from .evaluation.suite import load_suite, run_suite, suite_markdown

    sets, skipped = load_suite(Path(args.suite))

    store = args.store or os.environ.get("POLICY_QA_STORE")

    def engine_for(corpus: Path) -> PolicyQA:
        args.corpus, args.corpus_arg, args.index_dir = str(corpus), None, None
        args.store = _store_of(store, corpus)
        return _engine(args)

    runs = run_suite(sets, engine_for, split=args.split, with_peers=args.with_peers, progress=_EvalProgress())
    out = Path(args.out)
    for eval_set, run in runs:
        write_reports(run, out / eval_set.name, quote_questions=not eval_set.external)
    summary = suite_markdown(runs, skipped, args.split)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    print(summary)
    failures = []
    if args.thresholds:
        per_set = json.loads(Path(args.thresholds).read_text(encoding="utf-8"))
        for eval_set, run in runs:
            if eval_set.name in per_set:
                failures += [f"{eval_set.name}: {f}" for f in check_thresholds(run.summary, per_set[eval_set.name])]
    for failure in failures:
        print(f"threshold missed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .evaluation.dataset import load_dataset, spread_sample
    from .evaluation.report import write_reports
    from .evaluation.runner import check_thresholds, run_evaluation

    items = spread_sample(load_dataset(Path(args.dataset), args.split), args.sample)
    progress = _EvalProgress()
    run = run_evaluation(
        _engine(args), items, dataset=args.dataset, split=args.split, with_peers=args.with_peers,
        progress=lambda done, total: progress(Path(args.dataset).stem, done, total),
    )
    paths = write_reports(run, Path(args.out))
    print(paths[0].read_text(encoding="utf-8"))
    if args.thresholds:
        failures = check_thresholds(run.summary, json.loads(Path(args.thresholds).read_text(encoding="utf-8")))
        for failure in failures:
            print(f"threshold missed: {failure}", file=sys.stderr)
        return 1 if failures else 0
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Load the engine once, then serve the page and the API until Ctrl-C or SIGTERM."""
    from pathlib import Path

    from .api.keys import KeyStore, default_keys_path
    from .api.registry import KnowledgeBase, KnowledgeBases, check_name
    from .api.server import ApiServer, check_exposure
    from .web.server import parse_auth

    started = time.perf_counter()
    # Fail fast, before the models load: a malformed password, a bad name, an exposed server with no protection.
    auth = parse_auth(args.auth)
    bases = [_kb_spec(spec) for spec in args.kb] or [(check_name(args.kb_name or Path(args.corpus).resolve().name), args.corpus, args.index_dir)]
    store = KeyStore(Path(args.keys).expanduser() if args.keys else default_keys_path())
    check_exposure(args.host, store, auth)
    llm = _llm_settings(args)
    engines: list[PolicyQA] = []
    shared_store = args.store or os.environ.get("POLICY_QA_STORE")
    for _, corpus, index in bases:  # one embedding model for all of them
        store = _store_of(shared_store, Path(corpus)) if len(bases) > 1 else shared_store
        options = argparse.Namespace(**{**vars(args), "corpus": corpus, "index_dir": index, "store": store})
        engines.append(_engine(options, share_model_of=engines[0] if engines else None))
    kbs = KnowledgeBases([KnowledgeBase(name, engine, llm) for (name, _, _), engine in zip(bases, engines, strict=True)])
    server = ApiServer(kbs, store, host=args.host, port=args.port, auth=auth, remote=llm)
    names = "、".join(f"「{name}」" for name, _, _ in bases)
    print(f"政策公报问答：{server.url}/  API：{server.url}/v1（知识库{names}，文档 {server.url}/docs）"
          f"  （启动用时 {time.perf_counter() - started:.1f} 秒，Ctrl-C 退出）", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def _store_of(spec: str | None, corpus: Path) -> str | None:
    """The store of one of several corpora sharing ``spec``: a Milvus collection of its own per corpus folder
    (``<collection>_<hash of the folder>``); FAISS indexes are per corpus already."""
    import hashlib

    from .index.stores import parse_store

    location = parse_store(spec)
    if location is None:
        return spec
    return str(location.suffixed(hashlib.sha1(os.fsencode(corpus.resolve())).hexdigest()[:8]))


def _kb_spec(spec: str) -> tuple[str, str, str | None]:
    """``NAME=DIR`` of ``serve --kb``: the name, the corpus folder, and its default index."""
    from .api.registry import check_name

    name, sep, corpus = spec.partition("=")
    if not sep or not corpus:
        raise PolicyQAError(f"--kb 的格式是 名称=语料文件夹，收到的是「{spec}」。")
    return check_name(name), corpus, None


def _keys(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .api.keys import KeyStore, default_keys_path

    store = KeyStore(Path(args.keys).expanduser() if args.keys else default_keys_path())
    if args.keys_command == "add":
        key = store.add(args.name, args.kb, args.write)
        print(f"新密钥「{args.name}」（{'读写' if args.write else '只读'}，知识库：{'、'.join(args.kb)}），只显示这一次，请妥善保存：")
        print(key)
    elif args.keys_command == "remove":
        store.remove(args.name)
        print(f"已删除密钥「{args.name}」。")
    else:
        for key in store.keys():
            print(f"{key.name}\t{'读写' if key.write else '只读'}\t{'、'.join(key.kbs)}")
    return 0


def _answer_from_server(args: argparse.Namespace) -> Answer | None:
    """The answer of a running ``policy-qa serve`` of the same corpus, index and models, or None when there is
    none (or it cannot be reached)."""
    from .api.client import ServerUnavailable, running_server
    from .settings import EngineSettings

    settings = EngineSettings.resolve(args.corpus, args.index_dir, args.model, store=args.store)
    client = running_server(settings, _llm_settings(args), args.answerer)
    if client is None:
        return None
    try:
        if args.stream and not args.json:
            return _print_stream(client.ask_stream(args.question, args.top_k))
        return client.ask(args.question, args.top_k)
    except ServerUnavailable:
        logging.getLogger("policy_qa").info("the running server could not be reached: answering here")
        return None


def _run(args: argparse.Namespace) -> int:
    if args.command == "ask":
        from .answer.inputs import validate_question

        args.question = _argument_text(args.question)
        validate_question(args.question)  # fail fast, before loading any model
        if args.top_k is not None and args.top_k < 1:
            raise InvalidQuestionError("--top-k 必须是正整数。")
        answer = None if args.no_server else _answer_from_server(args)
        if answer is None:
            engine = _engine(args, top_k=args.top_k)
            if args.stream and not args.json:
                answer = _print_stream(engine.ask_stream(args.question))
            else:
                answer = engine.ask(args.question)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else _format_answer(answer))
        return 0
    if args.command == "eval":
        return _evaluate_suite(args) if args.suite else _evaluate(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "keys":
        return _keys(args)
    if args.command == "index" and args.from_faiss:
        _check_migration(args)
    engine = _engine(args, rebuild=args.command == "index" and args.force)
    info = engine.info()
    if args.command == "index":
        state = f"已更新（{info.rebuilt_because}）" if info.rebuilt_because else "已是最新"
        print(f"索引{state}：{len(info.documents)} 个文件，{info.chunks} 个段落 → {info.index_dir}")
        if info.changes is not None:
            print(info.changes.summary())
    else:
        print(json.dumps({**asdict(info), "age_seconds": round(time.time() - info.built_at)}, ensure_ascii=False, indent=2))
    for warning in info.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    return 0


def _check_migration(args: argparse.Namespace) -> None:
    """``index --from-faiss`` needs a Milvus store and a local index to copy."""
    from .index.store import read_manifest
    from .index.stores import parse_store
    from .settings import EngineSettings

    settings = EngineSettings.resolve(args.corpus_arg or args.corpus, args.index_dir, args.model, store=args.store)
    if parse_store(settings.store) is None:
        raise PolicyQAError("--from-faiss 需要 --store milvus://主机:端口/集合名（或 POLICY_QA_STORE）。")
    try:
        read_manifest(settings.index_dir)
    except PolicyQAError as error:
        raise PolicyQAError(f"没有可迁移的 FAISS 索引（{error}）：先运行 policy-qa index，或用 --index-dir 指明索引文件夹。") from error


def _argument_text(value: str) -> str:
    """A command-line argument as the user typed it: bytes that are not UTF-8 (a GBK terminal) are read as
    GB18030; ``InvalidQuestionError`` when they are neither."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    try:
        return os.fsencode(value).decode("gb18030")
    except UnicodeDecodeError as error:
        raise InvalidQuestionError("问题的字节既不是 UTF-8 也不是 GBK/GB18030 编码的文字：请检查终端的编码设置。") from error


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``policy-qa`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("policy_qa").setLevel(logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    try:
        return _run(args)
    except InvalidQuestionError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    except PolicyQAError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
