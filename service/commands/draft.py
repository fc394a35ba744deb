"""``duizhao draft NOTES [--structure ID] [--model M] [--api-base URL] [-o OUT] [--format text|json]``.

Exit codes: 0 a draft or an outline was produced; 2 bad input (one Chinese line on
stderr, nothing on stdout); 3 the backend failed after retries and fallbacks (a
Chinese line naming the backend and the cause; the partial text is kept: beside
``-o`` as ``OUT.partial``, in the JSON object, or on stdout). Progress goes to stderr
on a terminal; prompts and note contents are never logged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TEXT_SUFFIXES = (".md", ".txt", ".docx")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draft", help="根据角色笔记起草对照检查材料（未配置模型时生成提纲）",
                       description="根据角色笔记和年度结构起草个人对照检查材料初稿，并立即审读。"
                                   "未配置模型时生成提纲：事实放到相应方面下，缺少的内容以【待补：……】提问。")
    p.add_argument("notes", metavar="NOTES", help="角色笔记（YAML 或 JSON 文件，或 - 表示标准输入）")
    p.add_argument("--structure", metavar="ID", help="结构 ID 或结构文件路径（默认取角色笔记中的 structure 或 year+meeting）")
    p.add_argument("--model", metavar="M", help="litellm 模型名，如 deepseek/deepseek-chat（默认 DUIZHAO_MODEL）")
    p.add_argument("--api-base", metavar="URL", help="OpenAI 兼容服务地址（默认 DUIZHAO_API_BASE），配合 --model openai/<模型>")
    p.add_argument("-o", "--output", metavar="OUT", help="把材料写入文件（.md、.txt，或公文格式的 .docx）")
    p.add_argument("--critique", action="store_true", help="起草后再请模型逐条审读（需要配置模型）")
    p.add_argument("--rounds", type=int, default=0, metavar="N",
                   help="有“错误”级问题时，请模型按审读意见修改被指出的句子，最多 N 轮（建议 1–2）")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（json：一个结果对象）")
    p.set_defaults(func=run)


def _fail(msg: str, code: int = 2) -> int:
    print(f"duizhao: {msg}", file=sys.stderr)
    return code


class _Progress:
    """Progress on stderr when it is a terminal: one line, rewritten in place."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.chars = 0

    def start(self, label: str) -> None:
        if self.enabled:
            sys.stderr.write(f"正在起草（{label}）……\n")
            sys.stderr.flush()

    def add(self, text: str) -> None:
        self.chars += len(text)
        if self.enabled:
            sys.stderr.write(f"\r已生成 {self.chars} 字")
            sys.stderr.flush()

    def end(self) -> None:
        if self.enabled and self.chars:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _summary(result) -> str:
    review = result.review or {}
    findings = review.get("findings") or []
    errors = sum(1 for f in findings if f.get("severity") == "error")
    warnings = sum(1 for f in findings if f.get("severity") == "warning")
    u = result.usage.to_json()
    parts = [f"审读结论：{review.get('verdict', '—')}（错误 {errors} 条，警告 {warnings} 条）"]
    if result.mode == "draft":
        cost = "未知" if u["cost_usd"] is None else f"${u['cost_usd']:.4f}"
        tokens = "未知" if u["total_tokens"] is None else str(u["total_tokens"])
        parts.append(f"模型 {result.model}，词元 {tokens}，费用 {cost}，用时 {result.elapsed:.1f} 秒")
    return "；".join(parts)


def _read_notes(path: str):
    from service.notes import load_notes

    if path == "-":
        return load_notes(sys.stdin.buffer.read(256_000))
    return load_notes(Path(path))


def run(args: argparse.Namespace) -> int:
    import asyncio

    from service.errors import InputError
    from service.structures import StructureError

    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in TEXT_SUFFIXES:
        return _fail(f"-o 只支持 .md、.txt 或 .docx 文件：{out.name}")
    if not 0 <= args.rounds <= 5:
        return _fail("--rounds 应在 0 到 5 之间。")
    try:
        from service.drafting.pipeline import resolve_structure
        from service.llm import get_backend

        notes = _read_notes(args.notes)
        structure = resolve_structure(notes, args.structure)
        backend = get_backend(model=args.model, api_base=args.api_base)
        if backend is not None:  # refuse what does not fit before anything is shown
            from service.prompts import render_draft

            backend.check_budget(render_draft(notes, structure).messages)
    except (InputError, StructureError) as exc:
        return _fail(str(exc))

    stream_stdout = args.format == "text" and out is None and sys.stdout.isatty() and backend is not None
    progress = _Progress(sys.stderr.isatty() and not stream_stdout and backend is not None)
    if backend is None:
        print("duizhao: 未配置模型，生成的是提纲（不是初稿）。设置 DUIZHAO_MODEL 或使用 --model 可生成初稿。",
              file=sys.stderr)
    else:
        progress.start(backend.label)

    async def consume():
        from service.drafting.pipeline import adraft_stream

        async for event in adraft_stream(notes, structure=structure, backend=backend,
                                         critique=args.critique, rounds=args.rounds):
            if event.kind == "delta":
                if stream_stdout:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                else:
                    progress.add(event.text)
            elif event.kind in ("done", "error"):
                return event.result
        return None

    try:
        result = asyncio.run(consume())
    except (InputError, StructureError) as exc:
        progress.end()
        return _fail(str(exc))
    progress.end()
    assert result is not None

    if result.error is not None:
        return _failed(result, args, out, stream_stdout)
    if out is not None:
        try:
            if out.suffix.lower() == ".docx":
                from service.export.docx import build_docx

                out.write_bytes(build_docx(result.text))
            else:
                out.write_text(result.text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"无法写入 {out}：{exc.strerror or '写入失败'}")
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    elif out is None and not stream_stdout:
        sys.stdout.write(result.text)
    elif stream_stdout and not result.text.endswith("\n"):
        sys.stdout.write("\n")
    where = f"已写入 {out}；" if out is not None else ""
    print(f"duizhao: {where}{_summary(result)}", file=sys.stderr)
    return 0


def _failed(result, args: argparse.Namespace, out: Path | None, streamed: bool) -> int:
    """Exit 3: say why, keep the partial text."""
    message = result.error.get("message") or "模型后端调用失败"
    kept = ""
    if result.text:
        if out is not None:
            partial = out.with_name(out.stem + ".partial.txt" if out.suffix.lower() == ".docx"
                                    else out.name + ".partial")
            try:
                partial.write_text(result.text, encoding="utf-8")
                kept = f"已生成的部分内容保存在 {partial}。"
            except OSError:
                kept = "部分内容无法保存。"
        elif args.format == "json":
            kept = "部分内容见输出的 text 字段。"
        else:
            if not streamed:
                sys.stdout.write(result.text)
            sys.stdout.write("\n")
            kept = "上面输出的是不完整的部分内容。"
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    print(f"duizhao: {message}。{kept}".replace("。。", "。"), file=sys.stderr)
    return 3
