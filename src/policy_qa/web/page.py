"""The Gradio page: chat with streamed, cited answers, the source panel, the answer mode and the corpus panel.

It only presents: every question, source, example, mode switch, upload, deletion and re-index goes to the one ``PolicyQA``
engine, and every failure becomes a friendly message (the traceback goes to the server's log).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..answer.inputs import validate_question
from ..errors import InvalidQuestionError, PolicyQAError
from ..models.llm_client import LLMSettings
from ..schema import Answer
from ..text.readers import SUFFIXES
from ..web import render

if TYPE_CHECKING:
    from ..engine import PolicyQA

log = logging.getLogger("policy_qa.web")

EXAMPLES = 6
# Questions answered at once (the page's chat and the /ask API together); the rest wait in Gradio's queue.
CHAT_CONCURRENCY = 4
UNEXPECTED = "抱歉，系统出现了意外错误，请稍后再试。"
MODE_NOTES = {
    "extractive": "直接摘录原文句子作答，最快（不到 1 秒）。",
    "local": "由本机上的小模型改写答案（首次使用需启动约 3 秒，每个回答约 5–10 秒），数字经过核对，核对不过时改用原文摘录。",
    "remote": "由远程 LLM 接口改写答案，数字经过核对，核对不过或接口不可用时改用原文摘录。",
}
ChatState = tuple[str, list[dict[str, str]], str, list[str], list[str]]


class ChatPage:
    """The page's handlers over one engine. ``remote``: the configured LLM endpoint, if any."""

    def __init__(self, engine: PolicyQA, remote: LLMSettings | None = None) -> None:
        self.engine = engine
        self.remote = remote if remote is not None and not remote.is_local else None
        self._local = replace(remote or LLMSettings.from_env(), base_url=None, api_key=None, model=None)
        self._examples: tuple[float, list[list[str]]] = (0.0, [])

    # --- answer modes ---------------------------------------------------------------------------------------
    def mode_choices(self) -> list[tuple[str, str]]:
        """(label, mode) pairs: extractive and the local model always, the remote endpoint when configured."""
        choices = [("原文摘录", "extractive"), ("本地模型", "local")]
        if self.remote is not None:
            choices.append((f"远程接口（{self.remote.model or '未设模型名'}）", "remote"))
        return choices

    def set_mode(self, mode: str) -> str:
        """Switch the engine's answerer; the note says what the mode does and that it applies to every user."""
        try:
            if mode == "extractive":
                self.engine.set_answerer("extractive")
            elif mode == "remote" and self.remote is not None:
                self.engine.set_answerer("llm", self.remote)
            else:
                self.engine.set_answerer("llm", self._local)
        except Exception:
            log.exception("switching the answer mode to %s failed", mode)
            return f"⚠ {UNEXPECTED}"
        warm_up_in_background(self.engine)
        return self.mode_note()

    def mode_note(self) -> str:
        """What the present answer mode does (the mode is the server's, shared by every conversation)."""
        mode = self.engine.answer_mode
        return f"当前：**{render.MODE_LABELS[mode]}**。{MODE_NOTES[mode]}（对本服务的所有对话生效）"

    # --- chat -----------------------------------------------------------------------------------------------
    def respond(self, message: str, chat: list[dict[str, str]], turns: list[str], history: list[str]) -> Iterator[ChatState]:
        """Stream the answer to ``message`` into the chat, then its sources into the panel."""
        chat, turns, history = list(chat or []), list(turns or []), list(history or [])
        try:
            validate_question(message)
        except InvalidQuestionError as error:
            gr.Warning(str(error))
            yield message, chat, render.sources_html(turns), turns, history
            return
        mode_label = render.MODE_LABELS[self.engine.answer_mode]
        chat += [{"role": "user", "content": message}, {"role": "assistant", "content": render.pending_html()}]
        yield "", list(chat), render.sources_html(turns), list(turns), list(history)
        draft = ""
        try:
            for item in self.engine.ask_stream(message, history=history):
                if isinstance(item, Answer):
                    turn = len(turns) + 1
                    chat[-1] = {"role": "assistant", "content": render.answer_html(item, turn, message, mode_label)}
                    turns.append(self._turn_sources(item, turn, message))
                    history.append(item.question)
                else:
                    draft += item
                    chat[-1] = {"role": "assistant", "content": render.pending_html(draft)}
                yield "", list(chat), render.sources_html(turns), list(turns), list(history)
        except PolicyQAError as error:
            log.warning("question %r: %s", message, error)
            chat[-1] = {"role": "assistant", "content": render.message_html(f"抱歉，没能回答：{error}")}
            yield "", list(chat), render.sources_html(turns), list(turns), list(history)
        except Exception:
            log.exception("question %r failed", message)
            chat[-1] = {"role": "assistant", "content": render.message_html(UNEXPECTED)}
            yield "", list(chat), render.sources_html(turns), list(turns), list(history)

    def _turn_sources(self, answer: Answer, turn: int, asked: str) -> str:
        cited = [(c.index, self.engine.source_view(c)) for c in answer.citations]
        shown = {(c.document, c.section) for c in answer.citations}
        others = []
        for passage in answer.passages:
            if (passage.document, passage.section) not in shown:
                shown.add((passage.document, passage.section))
                others.append(self.engine.source_view(passage))
        return render.turn_sources_html(turn, asked, cited, others)

    def new_chat(self) -> tuple[list[Any], str, list[str], list[str], str]:
        """An empty conversation: no messages, no sources, no history."""
        return [], render.SOURCES_PLACEHOLDER, [], [], ""

    def ask_api(self, question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer ``question`` (``history``: earlier questions of the conversation) with its citations, as JSON."""
        try:
            return self.engine.ask(question, history=history or None).to_dict()
        except PolicyQAError as error:
            raise gr.Error(str(error)) from error

    # --- corpus ---------------------------------------------------------------------------------------------
    def examples(self) -> Any:
        """The example questions of the index now served (worked out once per index build)."""
        built_at = self.engine.info().built_at
        if self._examples[0] != built_at:
            try:
                self._examples = (built_at, [[q] for q in self.engine.example_questions(EXAMPLES)])
            except Exception:
                log.exception("example questions failed")
                return gr.Dataset(samples=[])
        return gr.Dataset(samples=self._examples[1])

    def corpus_view(self) -> tuple[str, list[list[object]]]:
        info = self.engine.info()
        return render.corpus_summary(info), render.corpus_rows(info)

    def on_load(self) -> tuple[str, str, str, list[list[object]], Any, Any]:
        """What another user may have changed since the page was built: the mode, the corpus, the examples."""
        summary, rows = self.corpus_view()
        return self.engine.answer_mode, self.mode_note(), summary, rows, self.examples(), self.file_choices()

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[str, list[list[object]], str, Any]:
        """Rebuild the index; answers keep coming from the old one until the new one is ready."""
        return self._change_corpus(lambda report: self.engine.reindex(progress=report), progress, "索引已重建。")

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, list[list[object]], str, Any, None]:
        """Add uploaded bulletins to the corpus and index them; a bad file changes nothing."""
        if not files:
            return (*self._change_corpus(None, progress, ""), None)
        names = "、".join(f"「{Path(path).name}」" for path in files)
        done = f"已加入 {names}，现在就可以提问。"
        return (*self._change_corpus(lambda report: self.engine.add_documents(files, progress=report), progress, done), None)

    def delete(self, names: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, list[list[object]], str, Any, Any]:
        """Take the chosen files out of the corpus and the index; nothing changes when that fails."""
        if not names:
            return (*self._change_corpus(None, progress, "请先选择要删除的文件。"), self.file_choices())
        done = f"已删除 {'、'.join(f'「{name}」' for name in names)}。"
        change = self._change_corpus(lambda report: self.engine.remove_documents(names, progress=report), progress, done)
        return (*change, self.file_choices())

    def file_choices(self) -> Any:
        """The corpus's files to choose from for deletion, none chosen."""
        return gr.Dropdown(choices=[str(d["name"]) for d in self.engine.info().documents], value=[])

    def _change_corpus(self, change, progress: gr.Progress, done: str) -> tuple[str, list[list[object]], str, Any]:
        status = done
        if change is not None:
            try:
                change(lambda fraction, message: progress(fraction, desc=message))
            except PolicyQAError as error:
                log.warning("corpus change refused: %s", error)
                status = f"⚠ {error}"
            except Exception:
                log.exception("corpus change failed")
                status = f"⚠ {UNEXPECTED}索引未改动。"
        summary, rows = self.corpus_view()
        return summary, rows, status, self.examples()


def warm_up_in_background(engine: PolicyQA) -> None:
    """Start the LLM of LLM answers (if they are on) while the user types; a fault shows at the first question."""
    if engine.answer_mode != "extractive":
        threading.Thread(target=engine.warm_up, name="llm-warm-up", daemon=True).start()


def _sample_text(sample: Any) -> str:
    """The question of a clicked example (the Dataset passes the sample's row)."""
    return sample[0] if isinstance(sample, (list, tuple)) else str(sample)


def build_page(engine: PolicyQA, remote: LLMSettings | None = None) -> gr.Blocks:
    """The page over ``engine``; ``remote`` is offered as an answer mode when it names an endpoint."""
    page = ChatPage(engine, remote)
    summary, rows = page.corpus_view()
    with gr.Blocks(title="政策公报问答", analytics_enabled=False) as demo:
        gr.HTML(
            '<header class="masthead"><h1>政策公报问答</h1>'
            "<p>回答只取自已收录的公报，每个数字都标明出处：点击答案中的 [编号]，右侧显示原文段落并高亮被引用的句子。</p></header>"
        )
        turns = gr.State([])
        history = gr.State([])
        with gr.Tabs():
            with gr.Tab("问答"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            show_label=False, height=480, elem_id="chat", buttons=["copy"], feedback_options=None,
                            placeholder="在下方输入问题，或点选一个示例问题。",
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                show_label=False, placeholder="用中文提问，例如：某市 2023 年招商引资签约了多少个项目？",
                                scale=6, lines=1, max_lines=4, elem_id="question", autofocus=True,
                            )
                            send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="send")
                        examples = gr.Dataset(
                            components=[question], samples=[], label="示例问题（取自语料的章节标题）",
                            samples_per_page=EXAMPLES, elem_id="examples",
                        )
                        with gr.Row(equal_height=True):
                            mode = gr.Radio(
                                page.mode_choices(), value=engine.answer_mode, label="回答方式", scale=4, elem_id="mode"
                            )
                            new = gr.Button("新对话", scale=1, min_width=100, elem_id="new-chat")
                        mode_note = gr.Markdown(page.mode_note(), elem_id="mode-note")
                    with gr.Column(scale=2, min_width=360):
                        gr.HTML('<h3 class="panel-title">来源</h3>')
                        sources = gr.HTML(render.SOURCES_PLACEHOLDER, elem_id="sources")
            with gr.Tab("语料库"):
                corpus_summary = gr.Markdown(summary, elem_id="corpus-summary")
                table = gr.Dataframe(rows, headers=["文件", "章节数", "编码"], interactive=False, elem_id="documents")
                with gr.Row():
                    reindex = gr.Button("重新建立索引", elem_id="reindex", scale=1)
                    upload = gr.File(
                        label="上传文件（PDF、Word、WPS、网页、OFD、.txt、.md，可多选，单个不超过 50 MB）",
                        file_count="multiple", file_types=list(SUFFIXES), elem_id="upload", scale=3,
                    )
                with gr.Row():
                    chosen = gr.Dropdown(
                        choices=[str(row[0]) for row in rows], value=[], multiselect=True, label="选择要删除的文件",
                        elem_id="delete-choice", scale=3,
                    )
                    delete = gr.Button("删除所选文件", elem_id="delete", variant="stop", scale=1)
                corpus_status = gr.Markdown(elem_id="corpus-status")

        chat_io: dict[str, Any] = dict(
            inputs=[question, chatbot, turns, history], outputs=[question, chatbot, sources, turns, history],
            api_visibility="private", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY,
        )
        question.submit(page.respond, **chat_io)
        send.click(page.respond, **chat_io)
        examples.click(_sample_text, inputs=examples, outputs=question, api_visibility="private").then(page.respond, **chat_io)
        reset: dict[str, Any] = dict(outputs=[chatbot, sources, turns, history, question], api_visibility="private")
        new.click(page.new_chat, **reset)
        chatbot.clear(page.new_chat, **reset)
        # .input, not .change: the page load sets the radio to the server's mode, which must not switch it again.
        mode.input(page.set_mode, inputs=mode, outputs=mode_note, api_visibility="private")
        corpus_outputs = [corpus_summary, table, corpus_status, examples]
        corpus_io: dict[str, Any] = dict(api_visibility="private", concurrency_id="corpus", concurrency_limit=1)
        reindex.click(page.reindex, outputs=corpus_outputs, **corpus_io)
        upload.upload(page.upload, inputs=upload, outputs=[*corpus_outputs, upload], **corpus_io).then(
            page.file_choices, outputs=chosen, api_visibility="private"
        )
        delete.click(page.delete, inputs=chosen, outputs=[*corpus_outputs, chosen], **corpus_io)
        demo.load(page.on_load, outputs=[mode, mode_note, corpus_summary, table, examples, chosen], api_visibility="private")
        gr.api(page.ask_api, api_name="ask", concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY)
    return demo
