"""Write one run's report: ``report.json`` (everything, machine-readable) and
``report.md`` (tables, the misjudged reviewer cases and the worst drafts quoted).

Keys of ``report.json`` other code relies on (tests/evals, ``evals/baseline.py``):
``mode``, ``prompts``, ``reviewer.categories.<cat>.{precision,recall,f1,support}``,
``reviewer.micro.{precision,recall,f1}``, ``reviewer_heldout`` (same shape as ``reviewer``,
the held-out test set; reported only), ``drafting.cases[].{id,model,scores}``,
``drafting.summary.<model>``, ``critique.status``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.tasks.draft import QUALITY_SCORES

SCORE_LABELS = {
    "structure": "结构", "specificity": "具体", "coverage": "覆盖", "grounding": "有据",
    "no_template_copy": "无模板", "similarity": "最大相似", "tokens": "词元", "cost_usd": "费用(USD)",
    "backend_calls": "调用", "revision_rounds": "修订轮", "revision_effect": "修订效果",
}
QUALITY_LABELS = {
    "good": "好", "formulaic": "套话", "disguised_praise": "明批暗褒", "invented_numbers": "编造数字",
    "missing_measures": "措施缺失", "template_copy": "照搬模板", "invented_facts": "不提问而编造",
    "ai_flavour": "生成腔",
}
ERROR_LABELS = {"fn": "漏报", "fp": "误报"}


def _f(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _cost(v: Any) -> str:
    return "未知" if v is None else f"{v:.4f}"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).replace("|", "｜").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write(rep: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(markdown(rep), encoding="utf-8")


# ---- markdown --------------------------------------------------------------------------------

def markdown(rep: dict[str, Any]) -> str:
    out: list[str] = ["# duizhao 评测报告", ""]
    out += _header(rep)
    if "reviewer" in rep:
        out += _reviewer(rep["reviewer"])
    if "reviewer_heldout" in rep:
        out += _reviewer(rep["reviewer_heldout"], title="审读器（独立测试集）", dataset="evals/datasets/reviewer-heldout",
                         note="独立测试集在未阅读规则、词表和开发集条目的情况下写成，只报告、不调参，不计入基线回归检查。")
    if "drafting" in rep:
        out += _drafting(rep["drafting"])
    if "critique" in rep:
        out += _critique(rep["critique"])
    return "\n".join(out) + "\n"


def _header(rep: dict[str, Any]) -> list[str]:
    mode = rep["mode"]
    if mode == "replay":
        how = ("回放（replay）：模型响应来自 `evals/cassettes/`。**随仓库提供的响应是手写的，不是真实录制**"
               "（构建机无法访问任何模型），见 `evals/README.md`；用 `duizhao eval --record` 可对真实后端重新录制。")
    else:
        how = "实时（live）：直接调用模型后端" + ("，并把响应录制到 `evals/cassettes/`。" if rep.get("record") else "。")
    lines = [f"- 模式：{how}", f"- 生成时间：{rep['created']}；总用时 {rep.get('runtime_s', '—')} 秒",
             f"- 模型：{'、'.join(rep['models'])}" + (f"（api_base {rep['api_base']}）" if rep.get("api_base") else ""),
             "- 版本：" + "，".join(f"{k} {v}" for k, v in rep.get("versions", {}).items()), "",
             "| 提示词 | id | 模板 sha256 |", "|---|---|---|"]
    for task, p in rep.get("prompts", {}).items():
        lines.append(f"| {task} | `{p['id']}` | `{p['template_sha256'][:16]}…` |")
    return lines + [""]


def _reviewer(r: dict[str, Any], title: str = "审读器（规则）", dataset: str = "evals/datasets/reviewer",
              note: str = "") -> list[str]:
    m = r["micro"]
    lines = [f"## {title}", "",
             f"数据集：`{dataset}`，{r['items']} 条单项、{r['documents']} 篇全文，共 {r['constraints']} 条标注约束。"
             "expect 约束计入 TP/FN，forbid 约束计入 FP/TN；未标注的类别不计（见数据集 README）。"
             "精确率因此是在**标注的反例**（含难反例）上测得的。" + note, "",
             f"**微平均：P {_f(m['precision'], 3)}，R {_f(m['recall'], 3)}，F1 {_f(m['f1'], 3)}**"
             f"（TP {m['tp']}，FP {m['fp']}，FN {m['fn']}，TN {m['tn']}）；"
             + (f"结论一致 {r['verdicts']['agree']}/{r['verdicts']['total']} 篇；" if r["verdicts"]["total"] else "")
             + f"用时 {r['elapsed_s']} 秒。", "",
             "| 类别 | 正例数 | P | R | F1 | TP | FP | FN | TN |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for cat, c in sorted(r["categories"].items(), key=lambda kv: (kv[1]["f1"] is None, kv[1]["f1"] or 0, kv[0])):
        lines.append(f"| {cat} | {c['support']} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} | "
                     f"{c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |")
    wrong = [v for v in r["verdicts"]["cases"] if not v["ok"]]
    if wrong:
        lines += ["", "结论不一致：" + "；".join(f"{v['id']} 应为 {v['expected']}，实为 {v['got']}" for v in wrong)]
    lines += ["", f"### 判错的条目（{len(r['misjudged'])} 处，全部列出）", ""]
    if not r["misjudged"]:
        lines.append("没有判错的条目。")
    for x in r["misjudged"]:
        err = ERROR_LABELS[x["error"]]
        where = x.get("where") or x.get("kind", "")
        lines.append(f"- **{x['id']}**（{where}）{err} `{x['category']}`")
        if x.get("text"):
            lines.append(f"  - 原文：{_cell(x['text'], 200)}")
        if x.get("why"):
            lines.append(f"  - 标注理由：{_cell(x['why'], 200)}")
        if x["error"] == "fp":
            for f in x.get("findings", [])[:3]:
                lines.append(f"  - 审读器：{f['rule']}「{_cell(f['span'], 60)}」{_cell(f['message'], 120)}")
        elif x.get("instead"):
            lines.append(f"  - 该处报告的其他类别：{'、'.join(x['instead'])}")
    return lines + [""]


def _quality_mean(case: dict[str, Any]) -> float:
    vals = [case["scores"][k]["value"] for k in QUALITY_SCORES if case["scores"].get(k, {}).get("value") is not None]
    return sum(vals) / len(vals) if vals else -1.0


def _drafting(d: dict[str, Any]) -> list[str]:
    lines = ["## 起草", "",
             "每个案例跑真实的起草流水线（提示词渲染 → litellm → 解析 → 规则审读 → 模型审读 → 按证据修订 ≤ 2 轮），"
             "模型的 HTTP 响应由 vcrpy 回放。分数 0–1，越高越好（“最大相似”越低越好）。", "",
             "### 模型对比", "",
             "| 模型 | 案例 | 成功 | 结构 | 具体 | 覆盖 | 有据 | ├数字有出处 | ├笔记用到 | ├缺事实处提问 | 无模板 | 最大相似 | 词元合计 | 费用合计 | 调用合计 | 修订轮合计 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for model, s in d["summary"].items():
        lines.append(f"| {model} | {s['cases']} | {s['ok']} | {_f(s['structure'])} | {_f(s['specificity'])} | "
                     f"{_f(s['coverage'])} | {_f(s['grounding'])} | {_f(s['grounding.grounded'])} | "
                     f"{_f(s['grounding.facts_used'])} | {_f(s['grounding.asks'])} | {_f(s['no_template_copy'])} | "
                     f"{_f(s['max_similarity'])} | {_f(s['tokens_total'])} | {_cost(s['cost_usd_total'])} | "
                     f"{_f(s['backend_calls_total'])} | {_f(s['revision_rounds_total'])} |")
    for model, sim in d["similarity"].items():
        if sim["max"]:
            lines += ["", f"跨成员相似度（{model}）：{sim['pairs']} 对中最高 {_f(sim['max']['value'], 3)}，"
                          f"{' 与 '.join(sim['max']['cases'])}（{sim['method']}）。"]
    lines += ["", "### 各案例", "",
              "| 案例 | 模型 | 身份 | 单位 | 结构 | 响应 | 审读结论 | 结构 | 具体 | 覆盖 | 有据 | 无模板 | 最大相似 | 词元 | 费用 | 调用 | 修订轮 |",
              "|---|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in d["cases"]:
        s = c["scores"]
        v = lambda k: s.get(k, {}).get("value")  # noqa: E731
        q = QUALITY_LABELS.get(c["response_quality"], c["response_quality"] or "—")
        lines.append(f"| {c['id']} | {c['model']} | {c['member']} | {c['workplace']} | {c['structure']} | {q} | "
                     f"{c['verdict'] or ('失败' if not c['ok'] else '—')} | {_f(v('structure'))} | {_f(v('specificity'))} | "
                     f"{_f(v('coverage'))} | {_f(v('grounding'))} | {_f(v('no_template_copy'))} | {_f(v('similarity'))} | "
                     f"{_f(v('tokens'))} | {_cost(v('cost_usd'))} | {_f(v('backend_calls'))} | {_f(v('revision_rounds'))} |")
    failed = [c for c in d["cases"] if not c["ok"]]
    if failed:
        lines += ["", "**失败的案例：**"] + [f"- {c['id']}（{c['model']}）：{c['error']}" for c in failed]
    worst = sorted((c for c in d["cases"] if c["ok"]), key=_quality_mean)[:4]
    lines += ["", "### 最差的案例（按质量分均值，附每项分数的说明）", ""]
    for c in worst:
        lines.append(f"#### {c['id']}（{c['model']}，{c['title']}，质量分均值 {_quality_mean(c):.2f}）")
        lines.append("")
        for k in (*QUALITY_SCORES, "similarity", "revision_rounds", "revision_effect"):
            sc = c["scores"].get(k)
            if sc:
                lines.append(f"- {SCORE_LABELS[k]} {_f(sc['value'])}：{_cell(sc['explanation'], 400)}")
        lines.append("")
    return lines


def _critique(c: dict[str, Any]) -> list[str]:
    lines = ["## 模型审读（critique）", ""]
    if c.get("status") != "ran":
        return lines + [f"未运行：{c.get('reason', '')}", ""]
    lines += ["在 10 篇标注全文上先跑规则审读，再跑模型审读（回放），比较加入模型审读前后对标注约束的满足情况。", "",
              "| 模型 | 篇数 | 成功 | 仅规则 P / R / F1 | 加模型审读 P / R / F1 | 引文采纳率 | 词元合计 | 费用合计 |",
              "|---|---:|---:|---|---|---:|---:|---:|"]
    for model, s in c["summary"].items():
        a, b = s["rules_only"], s["with_critique"]
        lines.append(f"| {model} | {s['documents']} | {s['ok']} | {_f(a['precision'])} / {_f(a['recall'])} / {_f(a['f1'])} | "
                     f"{_f(b['precision'])} / {_f(b['recall'])} / {_f(b['f1'])} | {_f(s['quotes_kept'])} | "
                     f"{_f(s['tokens_total'])} | {_cost(s['cost_usd_total'])} |")
    lines += ["", "| 文档 | 模型 | 状态 | 标注约束 | 引文 | 尝试次数 |", "|---|---|---|---|---|---:|"]
    for d in c["documents"]:
        s = d["scores"]
        lines.append(f"| {d['id']} | {d['model']} | {_cell(s['status']['explanation'], 80)} | "
                     f"{_cell(s['labels']['explanation'], 120)} | {_cell(s['quotes_kept']['explanation'], 160)} | "
                     f"{_f(s['attempts']['value'])} |")
    return lines + [""]
