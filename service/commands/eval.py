"""``duizhao eval [--out DIR] [--model M ...] [--api-base URL] [--record | --live] [--check] [--update-baseline]``.

Runs the eval suite (``evals/`` in the source checkout: reviewer dev set, drafting
cases, critique) and writes ``report.md`` and ``report.json`` into ``--out``
(default ``eval-out``). By default every model response is replayed from
``evals/cassettes/`` (offline; the shipped responses are hand-written, see
``evals/README.md``). ``--record`` calls the real backend and rewrites the cassettes
(needs the provider's key); ``--live`` calls it without recording.

Exit codes: 0 done; 1 ``--check`` found a regression against ``evals/baseline.json``;
2 bad usage (not a source checkout, no recording for a model, no key for ``--record``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NOT_A_CHECKOUT = ("eval 只能在源码检出中运行：找不到 evals/ 目录（评测数据集和录制不随安装包分发）。"
                  "请在仓库根目录运行 .venv/bin/duizhao eval（或 python3 dev.py eval）。")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="运行评测（审读器标注集、起草案例、模型审读），生成报告",
                       description="运行评测套件并写出 report.md 和 report.json。默认回放 evals/cassettes/ 中的响应"
                                   "（离线；随仓库提供的响应是手写的，不是真实录制）。")
    p.add_argument("--out", metavar="DIR", default="eval-out", help="报告目录（默认 eval-out）")
    p.add_argument("--model", metavar="M", action="append",
                   help="litellm 模型名，可重复给出多个以生成对比表（默认 deepseek/deepseek-chat）")
    p.add_argument("--api-base", metavar="URL", help="OpenAI 兼容服务地址（配合 --model openai/<模型>）")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--record", action="store_true", help="调用真实后端并重新录制 evals/cassettes/（需要密钥）")
    mode.add_argument("--live", action="store_true", help="调用真实后端，不录制")
    p.add_argument("--only", choices=("reviewer", "drafting", "critique"), action="append",
                   help="只运行某一部分（可重复）")
    p.add_argument("--check", action="store_true", help="与 evals/baseline.json 比较，超出容差时退出码为 1")
    p.add_argument("--update-baseline", action="store_true",
                   help="用本次回放结果覆盖 evals/baseline.json（审阅差异后再提交）")
    p.set_defaults(func=run)


def _fail(msg: str, code: int = 2) -> int:
    print(f"duizhao: {msg}", file=sys.stderr)
    return code


def source_root() -> Path | None:
    """The checkout that contains ``service/`` and ``evals/``, or None."""
    import service

    root = Path(service.__file__).resolve().parent.parent
    return root if (root / "evals" / "run.py").is_file() and (root / "evals" / "datasets").is_dir() else None


def run(args: argparse.Namespace) -> int:
    root = source_root()
    if root is None:
        return _fail(NOT_A_CHECKOUT)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from evals import baseline as baseline_mod
    from evals.run import run_eval
    from evals.tasks.replay import SHIPPED_MODELS, ReplayError, missing_keys

    models = args.model or list(SHIPPED_MODELS)
    mode = "live" if (args.record or args.live) else "replay"
    if args.update_baseline and mode != "replay":
        return _fail("--update-baseline 只能用于回放模式（不能与 --record/--live 同时使用）")
    if args.update_baseline and args.only:
        return _fail("--update-baseline 需要运行全部评测，不能与 --only 同时使用")
    if mode == "live":
        for m in models:
            keys = missing_keys(m, args.api_base)
            if keys:
                return _fail(f"{'--record' if args.record else '--live'} 需要真实后端的密钥：模型 {m} 缺少环境变量 "
                             f"{'、'.join(keys)}")
    parts = set(args.only or ("reviewer", "drafting", "critique"))
    out = Path(args.out)
    try:
        rep = run_eval(out, mode=mode, models=models, api_base=args.api_base, record=args.record,
                       reviewer="reviewer" in parts, drafting="drafting" in parts, critique="critique" in parts)
    except ReplayError as exc:
        return _fail(str(exc))
    _summary(rep, out)
    code = 0
    if args.update_baseline:
        baseline_mod.save(rep)
        print(f"duizhao: 已更新基线 {baseline_mod.BASELINE.relative_to(root)}；请审阅差异并在提交说明中写明原因。",
              file=sys.stderr)
    elif args.check:
        result = baseline_mod.compare(rep, baseline_mod.load())
        for line in result["warnings"]:
            print(f"duizhao: 注意：{line}", file=sys.stderr)
        for line in result["improvements"]:
            print(f"duizhao: 提升：{line}（可用 --update-baseline 提高基线）", file=sys.stderr)
        for line in result["failures"]:
            print(f"duizhao: 回归：{line}", file=sys.stderr)
        code = 1 if result["failures"] else 0
    return code


def _summary(rep: dict, out: Path) -> None:
    lines = [f"评测完成（{'回放手写响应' if rep['mode'] == 'replay' else '实时调用'}，用时 {rep['runtime_s']} 秒）"]
    if "reviewer" in rep:
        m = rep["reviewer"]["micro"]
        lines.append(f"审读器（开发集，规则据此调整过）：微平均 P {m['precision']} R {m['recall']} F1 {m['f1']}"
                     f"（{len(rep['reviewer']['categories'])} 个类别）")
    if "reviewer_heldout" in rep:
        m = rep["reviewer_heldout"]["micro"]
        lines.append(f"审读器（独立测试集）：微平均 P {m['precision']} R {m['recall']} F1 {m['f1']}"
                     f"（{len(rep['reviewer_heldout']['categories'])} 个类别）")
    for model, s in (rep.get("drafting") or {}).get("summary", {}).items():
        lines.append(f"起草（{model}）：{s['ok']}/{s['cases']} 成功；结构 {s['structure']}，具体 {s['specificity']}，"
                     f"覆盖 {s['coverage']}，有据 {s['grounding']}，无模板 {s['no_template_copy']}，"
                     f"最大相似 {s['max_similarity']}")
    crit = rep.get("critique") or {}
    for model, s in crit.get("summary", {}).items():
        lines.append(f"模型审读（{model}）：F1 仅规则 {s['rules_only']['f1']} → 加审读 {s['with_critique']['f1']}")
    lines.append(f"报告：{out / 'report.md'}、{out / 'report.json'}")
    print("\n".join(lines))
