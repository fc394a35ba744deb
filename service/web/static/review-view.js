/* 对照 duizhao: the review view. The text with each finding's span highlighted by
 * severity, a panel of findings (message, suggestion, the rule's "why"), the
 * problem → measure matrix with gaps marked, scores and verdict. Needs api.js. */
(function () {
  "use strict";

  var dz = window.duizhao;
  var $ = dz.$, el = dz.el, setStatus = dz.setStatus, toUnits = dz.toUnits, excerpt = dz.excerpt,
      offsetMap = dz.offsetMap, loadRules = dz.loadRules, exportDocx = dz.exportDocx, copyText = dz.copyText;
  var SEVERITY = { error: "错误", warning: "警告", info: "提示" };
  var SEV_RANK = { error: 3, warning: 2, info: 1 };
  var KIND = { problem: "问题", cause: "原因", measure: "措施", followup: "上年度整改" };
  var WIDE_SPAN = 40; /* UTF-16 units: longer spans are drawn lightly */
  var VERDICT_CLASS = { "可提交": "ok", "需修改": "warn", "不达标": "bad" };

  /* ---- the review view ---------------------------------------------------------- */
  function isCompleteReview(r) {
    return !!(r && Array.isArray(r.findings) && Array.isArray(r.items) && r.scores && r.verdict);
  }

  function pct(v) { return typeof v === "number" ? Math.round(v * 100) + "%" : "—"; }

  function renderSummary(review) {
    var counts = { error: 0, warning: 0, info: 0 };
    review.findings.forEach(function (f) { if (counts[f.severity] !== undefined) counts[f.severity]++; });
    var scores = review.scores || {};
    var box = el("div", { className: "summary" }, [
      el("p", { className: "verdict " + (VERDICT_CLASS[review.verdict] || "") }, [
        "结论：", el("strong", { className: "verdict-value", text: review.verdict })]),
      el("dl", { className: "scores" }, [
        el("dt", { text: "具体性" }), el("dd", { className: "score-specificity", text: pct(scores.specificity) }),
        el("dt", { text: "措施覆盖率" }), el("dd", { className: "score-coverage", text: pct(scores.coverage) }),
        el("dt", { text: "意见" }),
        el("dd", { text: "错误 " + counts.error + " · 警告 " + counts.warning + " · 提示 " + counts.info })
      ])
    ]);
    var c = review.critique || {};
    if (c.status === "unavailable" && c.reason) box.appendChild(el("p", { className: "hint", text: "模型审读：" + c.reason }));
    if (review.structure) box.appendChild(el("p", { className: "hint", text: "结构：" + review.structure }));
    return box;
  }

  function renderDoc(prefix, text, findings, map, items) {
    var spans = [];
    findings.forEach(function (f, i) {
      var s = toUnits(map, f.start), e = toUnits(map, f.end);
      if (e > s) spans.push({ i: i, s: s, e: e, rank: SEV_RANK[f.severity] || 0, sev: f.severity });
    });
    var cuts = {};
    cuts[0] = true; cuts[text.length] = true;
    spans.forEach(function (sp) { cuts[sp.s] = true; cuts[sp.e] = true; });
    var anchors = {};   /* where each numbered item starts: targets for the matrix */
    (items || []).forEach(function (it) {
      var at = toUnits(map, it.start);
      cuts[at] = true;
      (anchors[at] = anchors[at] || []).push(it);
    });
    var points = Object.keys(cuts).map(Number).sort(function (a, b) { return a - b; });
    var doc = el("div", { className: "doc", id: prefix + "-doc" });
    for (var k = 0; k + 1 < points.length; k++) {
      var a = points[k], b = points[k + 1], part = text.slice(a, b);
      (anchors[a] || []).forEach(function (it) {
        doc.appendChild(el("span", { className: "item-anchor", id: prefix + "-item-" + it.id, tabindex: "-1",
                                     "aria-label": (KIND[it.kind] || "") + " " + it.id }));
      });
      var active = spans.filter(function (sp) { return sp.s <= a && sp.e >= b; });
      if (!active.length) { doc.appendChild(document.createTextNode(part)); continue; }
      /* short spans (a word, a phrase) are filled; spans over a whole item or paragraph
         are only tinted and underlined, so the text stays readable under them */
      var narrow = active.filter(function (sp) { return sp.e - sp.s <= WIDE_SPAN; });
      var pool = narrow.length ? narrow : active;
      var top = pool.reduce(function (m, sp) { return sp.rank > m.rank ? sp : m; }, pool[0]);
      var ids = active.map(function (sp) { return sp.i; });
      var labels = active.map(function (sp) { return SEVERITY[sp.sev] + " " + findings[sp.i].rule; });
      doc.appendChild(el("mark", {
        className: "hl sev-" + top.sev + (narrow.length ? "" : " wide") + (active.length > 1 ? " multi" : ""),
        "data-f": ids.join(" "), tabindex: "-1",
        title: labels.join("；") + "（点击或按回车查看审读意见）", text: part
      }));
    }
    return doc;
  }

  function renderFindings(prefix, findings, itemsById) {
    var list = el("ol", { className: "findings-list", id: prefix + "-findings" });
    findings.forEach(function (f, i) {
      var item = f.item && itemsById[f.item];
      var head = el("div", { className: "f-head" }, [
        el("span", { className: "badge sev-" + f.severity, text: SEVERITY[f.severity] || f.severity }), " ",
        el("code", { text: f.rule }), " ",
        el("span", { className: "f-summary", "data-rule": f.rule }),
        item ? el("span", { className: "f-item", text: (KIND[item.kind] || item.kind) + " " + item.id }) : null,
        f.source === "llm" ? el("span", { className: "f-item", text: "模型" }) : null
      ]);
      var card = el("li", { className: "finding sev-" + f.severity, id: prefix + "-card-" + i, tabindex: "-1",
                            "data-i": i, "data-rule": f.rule, "data-start": f.start, "data-end": f.end }, [
        head,
        el("p", { className: "f-msg", text: f.message }),
        f.suggestion ? el("p", { className: "f-sugg" }, [el("strong", { text: "建议：" }), f.suggestion]) : null,
        el("details", { className: "f-why", hidden: true }, [
          el("summary", { text: "为什么" }), el("p", { className: "f-why-text" })])
      ]);
      if (f.end > f.start) {
        card.appendChild(el("button", { type: "button", className: "link goto", "data-i": i,
                                        "aria-label": "定位原文：第 " + (i + 1) + " 条意见（" + f.rule + "）",
                                        text: "定位原文" }));
      } else {
        card.appendChild(el("p", { className: "hint", text: "（针对全文，无具体位置）" }));
      }
      list.appendChild(card);
    });
    if (!findings.length) list.appendChild(el("li", { className: "finding none", text: "没有发现问题。" }));
    return list;
  }

  function itemLink(prefix, id) {
    return el("button", { type: "button", className: "link item-link", "data-item": id,
                          "aria-label": "在原文中查看 " + id, text: id });
  }

  function renderMatrix(prefix, text, review, map) {
    var items = review.items || [];
    var byId = {};
    items.forEach(function (it) { byId[it.id] = it; });
    function snippet(it) { return excerpt(text.slice(toUnits(map, it.start), toUnits(map, it.end)), 40); }
    var problems = items.filter(function (it) { return it.kind === "problem"; });
    var measures = items.filter(function (it) { return it.kind === "measure"; });
    var matchOf = {}, used = {};
    (review.matches || []).forEach(function (m) {
      matchOf[m.problem] = m;
      (m.measures || []).forEach(function (id) { used[id] = true; });
    });
    var section = el("section", { className: "matrix" }, [el("h3", { text: "问题—整改措施对照" })]);
    if (!problems.length && !measures.length) {
      section.appendChild(el("p", { className: "hint", text: "没有识别出编号的问题和措施条目（如“一是……”“（一）……”“1.……”）。" }));
      return section;
    }
    var gaps = 0;
    var body = el("tbody");
    problems.forEach(function (p) {
      var m = matchOf[p.id], ms = (m && m.measures) || [];
      var cell;
      if (ms.length) {
        cell = el("td", {}, [el("ul", { className: "plain" }, ms.map(function (id) {
          return el("li", {}, [itemLink(prefix, id), " ", byId[id] ? snippet(byId[id]) : ""]);
        }))]);
      } else {
        gaps++;
        cell = el("td", { className: "gap" }, [el("strong", { text: "缺口：" }), "没有对应的整改措施"]);
      }
      body.appendChild(el("tr", { className: ms.length ? "" : "gap-row" }, [
        el("th", { scope: "row" }, [itemLink(prefix, p.id), p.aspect ? "（方面" + p.aspect + "）" : "", " ", snippet(p)]),
        cell,
        el("td", { className: "num", text: m ? pct(m.score) : "—" })
      ]));
    });
    measures.forEach(function (mm) {
      if (used[mm.id]) return;
      gaps++;
      body.appendChild(el("tr", { className: "gap-row" }, [
        el("th", { scope: "row", className: "gap" }, [el("strong", { text: "缺口：" }), "没有对应的问题"]),
        el("td", {}, [itemLink(prefix, mm.id), " ", snippet(mm)]),
        el("td", { className: "num", text: "—" })
      ]));
    });
    section.appendChild(el("p", { className: gaps ? "hint bad" : "hint ok",
      text: gaps ? "共 " + gaps + " 处缺口（已标出）。" : "每个问题都有对应的整改措施。" }));
    section.appendChild(el("div", { className: "table-wrap" }, [el("table", {}, [
      el("caption", { className: "offscreen", text: "每个问题及其对应的整改措施" }),
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "问题" }),
                                     el("th", { scope: "col", text: "对应的整改措施" }),
                                     el("th", { scope: "col", text: "匹配度" })])]),
      body])]));
    return section;
  }

  function flash(node) {
    node.classList.remove("flash");
    void node.offsetWidth;
    node.classList.add("flash");
  }

  function renderReview(container, prefix, text, review, opts) {
    opts = opts || {};
    var map = offsetMap(text);
    var findings = review.findings.slice().map(function (f, i) { f._order = i; return f; });
    findings.sort(function (a, b) {
      var ae = a.end > a.start ? a.start : Infinity, be = b.end > b.start ? b.start : Infinity;
      return ae - be || (SEV_RANK[b.severity] || 0) - (SEV_RANK[a.severity] || 0) || a._order - b._order;
    });
    var itemsById = {};
    (review.items || []).forEach(function (it) { itemsById[it.id] = it; });

    container.textContent = "";
    var status = el("p", { className: "status", role: "status", "aria-live": "polite" });
    var actions = el("div", { className: "actions" }, [
      el("button", { type: "button", className: "export", text: "导出 Word" }),
      el("button", { type: "button", className: "copy secondary", text: "复制全文" }),
      el("a", { className: "jump", href: "#" + prefix + "-findings-title", text: "跳到审读意见" })
    ]);
    var docView = el("section", { className: "doc-view", "aria-labelledby": prefix + "-doc-title" }, [
      el("h3", { id: prefix + "-doc-title", text: "原文（按严重程度标出）" }),
      el("p", { className: "legend hint" }, [
        el("span", { className: "hl sev-error", text: "错误" }), " ",
        el("span", { className: "hl sev-warning", text: "警告" }), " ",
        el("span", { className: "hl sev-info", text: "提示" })]),
      renderDoc(prefix, text, findings, map, review.items)
    ]);
    var side = el("aside", { className: "findings", "aria-labelledby": prefix + "-findings-title" }, [
      el("h3", { id: prefix + "-findings-title", text: "审读意见（" + findings.length + " 条）" }),
      renderFindings(prefix, findings, itemsById)
    ]);
    container.appendChild(el("h3", { className: "result-title", text: opts.title || "审读结果" }));
    container.appendChild(renderSummary(review));
    container.appendChild(actions);
    container.appendChild(status);
    container.appendChild(el("div", { className: "review-grid" }, [docView, side]));
    var matrix = renderMatrix(prefix, text, review, map);
    container.appendChild(matrix);
    matrix.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button.item-link");
      var anchor = btn && $(prefix + "-item-" + btn.getAttribute("data-item"));
      if (!anchor) return;
      anchor.scrollIntoView({ block: "center" });
      anchor.focus({ preventScroll: true });
    });
    container.hidden = false;

    actions.querySelector(".export").addEventListener("click", function () {
      exportDocx(text, status, opts.fileName);
    });
    actions.querySelector(".copy").addEventListener("click", function () { copyText(text, status); });

    function goToSpan(i) {
      var mark = container.querySelector('mark[data-f~="' + i + '"]');
      if (!mark) return;
      mark.scrollIntoView({ block: "center" });
      mark.focus({ preventScroll: true });
      flash(mark);
      mark.setAttribute("data-back", String(i));
    }
    function goToCard(i) {
      var card = $(prefix + "-card-" + i);
      if (!card) return;
      card.scrollIntoView({ block: "nearest" });
      card.focus({ preventScroll: true });
      flash(card);
    }
    side.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button.goto");
      if (btn) goToSpan(btn.getAttribute("data-i"));
    });
    var doc = $(prefix + "-doc");
    function fromMark(mark) {
      var back = mark.getAttribute("data-back");
      var ids = mark.getAttribute("data-f").split(" ");
      goToCard(back !== null && ids.indexOf(back) >= 0 ? back : ids[0]);
    }
    doc.addEventListener("click", function (ev) {
      var mark = ev.target.closest("mark.hl");
      if (mark) fromMark(mark);
    });
    doc.addEventListener("keydown", function (ev) {
      var mark = ev.target.closest && ev.target.closest("mark.hl");
      if (mark && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); fromMark(mark); }
    });

    loadRules().then(function (rules) {
      side.querySelectorAll(".finding[data-i]").forEach(function (card) {
        var code = card.querySelector("code").textContent, r = rules[code];
        if (!r) return;
        card.querySelector(".f-summary").textContent = r.summary.replace(/^\S+\s+/, "");
        if (r.why) {
          card.querySelector(".f-why-text").textContent = r.why;
          card.querySelector(".f-why").hidden = false;
        }
      });
    });
  }

  dz.renderReview = renderReview;
  dz.isCompleteReview = isCompleteReview;
})();
