/* 对照 duizhao: the members' page. Tabs, the token field, drafting (a streamed POST
 * read with fetch + a reader), reviewing pasted text or a file, and the history of the
 * member's drafts. Needs api.js and review-view.js. */
(function () {
  "use strict";

  var dz = window.duizhao;
  var $ = dz.$, el = dz.el, setStatus = dz.setStatus, api = dz.api, apiJson = dz.apiJson,
      getToken = dz.getToken, saveToken = dz.saveToken, canCallApi = dz.canCallApi,
      renderReview = dz.renderReview, isCompleteReview = dz.isCompleteReview;

  /* ---- structures (GET /v1/structures; the server-rendered list is the fallback) --- */
  function loadStructures() {
    if (!canCallApi()) return;
    apiJson("/v1/structures").then(function (body) {
      var list = (body.structures || []).slice().sort(function (a, b) {
        return b.year - a.year || (a.id < b.id ? -1 : 1);
      });
      if (!list.length) return;
      [["structure", false], ["review-structure", true]].forEach(function (pair) {
        var select = $(pair[0]), keep = select.value;
        select.textContent = "";
        if (pair[1]) select.appendChild(el("option", { value: "", text: "自动识别" }));
        list.forEach(function (s) { select.appendChild(el("option", { value: s.id, text: s.title + "（" + s.id + "）" })); });
        select.value = keep;
        if (select.value !== keep) select.selectedIndex = 0;
      });
    }, function () { /* keep the server-rendered options */ });
  }


  /* ---- tabs ----------------------------------------------------------------------- */
  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
  var historyLoaded = false;
  function selectTab(tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) tab.focus();
    if (tab.id === "tab-history" && !historyLoaded) loadHistory();
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { selectTab(tab, false); });
    tab.addEventListener("keydown", function (ev) {
      var j = null;
      if (ev.key === "ArrowRight") j = (i + 1) % tabs.length;
      else if (ev.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
      else if (ev.key === "Home") j = 0;
      else if (ev.key === "End") j = tabs.length - 1;
      if (j !== null) { ev.preventDefault(); selectTab(tabs[j], true); }
    });
  });

  /* ---- token form ----------------------------------------------------------------- */
  $("token").value = getToken();
  $("token-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = $("token").value.trim();
    var ok = saveToken(v);
    setStatus($("token-status"), ok ? (v ? "令牌已保存在本浏览器。" : "已清除令牌。") : "浏览器不允许保存令牌。", ok ? "ok" : "bad");
    dz.resetRules();
    historyLoaded = false;
    loadStructures();
  });
  $("token-clear").addEventListener("click", function () {
    $("token").value = "";
    saveToken("");
    setStatus($("token-status"), "已清除令牌。", "ok");
  });

  /* ---- draft ---------------------------------------------------------------------- */
  function lines(id) {
    return $(id).value.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function addLastYearRow() {
    var row = $("last-year-row").content.firstElementChild.cloneNode(true);
    $("last-year-rows").appendChild(row);
    return row;
  }
  $("ly-add").addEventListener("click", function () { addLastYearRow().querySelector("input").focus(); });
  $("last-year-rows").addEventListener("click", function (ev) {
    var btn = ev.target.closest(".ly-remove");
    if (!btn) return;
    btn.closest(".ly-row").remove();
    $("ly-add").focus();
  });
  addLastYearRow();

  function fieldError(id, message) {
    var input = $(id), box = $(id + "-error");
    if (message) {
      input.setAttribute("aria-invalid", "true");
      box.textContent = message;
      box.hidden = false;
    } else {
      input.removeAttribute("aria-invalid");
      box.textContent = "";
      box.hidden = true;
    }
    return !message;
  }

  function buildNotes() {
    var notes = { role: $("role").value.trim(), facts: lines("facts") };
    var unit = $("unit").value.trim();
    if (unit) notes.unit = unit;
    var duties = lines("party_duties");
    if (duties.length) notes.party_duties = duties;
    var feedback = lines("feedback");
    if (feedback.length) notes.feedback = feedback;
    var own = lines("self_assessment");
    if (own.length) notes.self_assessment = own;
    var last = [];
    document.querySelectorAll("#last-year-rows .ly-row").forEach(function (row) {
      var measure = row.querySelector('[name="ly_measure"]').value.trim();
      if (!measure) return;
      var entry = { measure: measure, status: row.querySelector('[name="ly_status"]').value };
      var note = row.querySelector('[name="ly_note"]').value.trim();
      if (note) entry.note = note;
      last.push(entry);
    });
    if (last.length) notes.last_year = last;
    notes.structure = $("structure").value;
    return notes;
  }

  /* Reads an SSE body: calls onEvent(name, data) per event. */
  function readEvents(resp, onEvent) {
    var reader = resp.body.getReader(), decoder = new TextDecoder("utf-8"), buf = "";
    function dispatch(block) {
      var name = "message", data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (!data.length) return;
      var parsed;
      try { parsed = JSON.parse(data.join("\n")); } catch (e) { parsed = data.join("\n"); }
      onEvent(name, parsed);
    }
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) {
          buf += decoder.decode();
          if (buf.trim()) dispatch(buf.replace(/\r\n?/g, "\n"));
          return;
        }
        buf += decoder.decode(r.value, { stream: true });
        buf = buf.replace(/\r\n?/g, "\n");
        var at;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          dispatch(block);
        }
        return pump();
      });
    }
    return pump();
  }

  var draftController = null;
  function draftBusy(on) {
    $("draft-submit").disabled = on;
    $("draft-stop").hidden = !on;
  }

  function showDraftResult(text, review, done) {
    var result = $("draft-result");
    var finish = function (r) {
      $("draft-stream-box").hidden = true;
      var outline = !(done && done.model);
      renderReview(result, "draft", text, r, { title: outline ? "提纲与审读结果" : "初稿与审读结果",
                                               fileName: outline ? "对照检查材料提纲.docx" : "对照检查材料初稿.docx" });
    };
    if (isCompleteReview(review)) { finish(review); return Promise.resolve(); }
    return apiJson("/v1/reviews", { method: "POST", json: { text: text, structure: done && done.structure || undefined } })
      .then(finish, function (err) { setStatus($("draft-status"), "审读失败：" + err.message, "bad"); });
  }

  $("draft-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var okRole = fieldError("role", $("role").value.trim() ? "" : "请填写职务或岗位。");
    var okFacts = fieldError("facts", lines("facts").length ? "" : "请至少写一件今年的具体事实（每行一件）。");
    if (!okRole || !okFacts) { (okRole ? $("facts") : $("role")).focus(); return; }

    var status = $("draft-status"), pre = $("draft-stream"), notice = $("draft-notice");
    var text = "", review = null, done = null, failed = null, lastTick = 0;
    pre.textContent = "";
    notice.hidden = true;
    $("draft-result").hidden = true;
    $("draft-stream-box").hidden = false;
    setStatus(status, "正在生成……");
    draftBusy(true);
    draftController = new AbortController();
    var body = { notes: buildNotes(), structure: $("structure").value || undefined };
    api("/v1/drafts", { method: "POST", json: body, headers: { Accept: "text/event-stream" },
                        signal: draftController.signal })
      .then(function (resp) {
        return readEvents(resp, function (name, data) {
          if (name === "delta" && data && typeof data.text === "string") {
            text += data.text;
            var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
            pre.appendChild(document.createTextNode(data.text));
            if (atEnd) pre.scrollTop = pre.scrollHeight;
            var now = Date.now();
            if (now - lastTick > 1000) { lastTick = now; setStatus(status, "正在生成……已写 " + Array.from(text).length + " 字"); }
          } else if (name === "review") {
            review = data;
          } else if (name === "done") {
            done = data;
          } else if (name === "error") {
            failed = data;
          }
        });
      })
      .then(function () {
        if (failed) {
          setStatus(status, "生成失败：" + (failed.message || "未知错误") + (text ? "（已写出的部分保留在下方）" : ""), "bad");
          return;
        }
        if (!done) {
          setStatus(status, "连接中断，生成没有完成" + (text ? "（已写出的部分保留在下方）" : "") + "。", "bad");
          return;
        }
        var finalText = typeof done.text === "string" ? done.text : text;
        if (!done.model) {
          notice.textContent = "";
          notice.appendChild(el("p", {}, [el("strong", { text: "未配置模型，已生成提纲而不是初稿。" }),
            "提纲把你的事实放到了对应方面下，【待补】处请本人回答后改写成正文。"]));
          notice.appendChild(el("p", { text: "配置模型：启动服务前设置环境变量 DUIZHAO_MODEL（如 deepseek/deepseek-chat，并设置 DEEPSEEK_API_KEY）；" +
            "使用 vLLM、Ollama 等 OpenAI 兼容服务时再设置 DUIZHAO_API_BASE；或用 DUIZHAO_MODELS_FILE 指定带备用模型的配置文件。然后重新运行 duizhao serve。" }));
          notice.hidden = false;
          setStatus(status, "提纲已生成（未配置模型）。", "ok");
        } else {
          setStatus(status, "初稿已生成（模型：" + done.model + "）。", "ok");
        }
        historyLoaded = false;
        return showDraftResult(finalText, review, done);
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") setStatus(status, "已停止生成。", "bad");
        else setStatus(status, (err && err.message) || "生成失败。", "bad");
      })
      .then(function () { draftBusy(false); draftController = null; });
  });
  $("draft-stop").addEventListener("click", function () { if (draftController) draftController.abort(); });

  /* ---- review --------------------------------------------------------------------- */
  function showReview(text, review, title, fileName) {
    renderReview($("review-result"), "review", text, review, { title: title, fileName: fileName });
  }

  $("review-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("review-text").value;
    if (!fieldError("review-text", text.trim() ? "" : "请粘贴材料全文，或打开一个文件。")) { $("review-text").focus(); return; }
    var status = $("review-status");
    setStatus(status, "正在审读……");
    $("review-submit").disabled = true;
    apiJson("/v1/reviews", { method: "POST", json: { text: text, structure: $("review-structure").value || undefined } })
      .then(function (review) {
        showReview(text, review, "审读结果");
        setStatus(status, "审读完成：" + review.verdict + "，共 " + review.findings.length + " 条意见。", "ok");
      }, function (err) { setStatus(status, err.message, "bad"); })
      .then(function () { $("review-submit").disabled = false; });
  });

  $("review-file").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) return;
    var status = $("review-status");
    setStatus(status, "正在读取并审读 " + file.name + "……");
    var q = "?name=" + encodeURIComponent(file.name);
    var structure = $("review-structure").value;
    if (structure) q += "&structure=" + encodeURIComponent(structure);
    api("/v1/reviews/file" + q, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        $("review-text").value = result.text;
        fieldError("review-text", "");
        showReview(result.text, result, "审读结果：" + file.name, file.name.replace(/\.[^.]+$/, "") + ".docx");
        setStatus(status, "已读取 " + file.name + "：" + result.verdict + "，共 " + result.findings.length + " 条意见。", "ok");
      }, function (err) { setStatus(status, err.message, "bad"); });
  });

  /* ---- the revision rounds of a stored draft (``revision`` of GET /v1/drafts/{id}) ---- */
  var SEVERITIES = [["error", "错误"], ["warning", "警告"], ["info", "提示"]];
  function renderRounds(revision) {
    var rows = (revision.rounds || []).map(function (r, i) {
      var counts = SEVERITIES.map(function (s) { return s[1] + " " + ((r.findings || {})[s[0]] || 0); }).join("，");
      var change = r.diff
        ? el("details", {}, [el("summary", { text: "查看修改" }), el("pre", { className: "diff", text: r.diff })])
        : el("span", { className: "hint", text: "—" });
      return el("tr", { className: i === revision.best ? "best" : null }, [
        el("td", { text: (r.round ? "第 " + r.round + " 轮" : "初稿") + (i === revision.best ? "（采用）" : "") }),
        el("td", { text: (r.verdict || "—") + "（" + counts + "）" }),
        el("td", {}, [change])]);
    });
    return el("section", { className: "rounds", id: "review-rounds", "aria-labelledby": "review-rounds-title" }, [
      el("h3", { id: "review-rounds-title", text: "修改轮次" }),
      revision.message ? el("p", { className: "hint", text: revision.message }) : null,
      el("div", { className: "table-wrap" }, [el("table", {}, [
        el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "轮次" }), el("th", { scope: "col", text: "结论" }),
                                       el("th", { scope: "col", text: "修改内容" })])]),
        el("tbody", {}, rows)])])]);
  }

  /* ---- history -------------------------------------------------------------------- */
  var STATUS = { running: "生成中", done: "已完成", failed: "失败", cancelled: "已取消" };
  function loadHistory() {
    var status = $("history-status"), list = $("history-list");
    if (!canCallApi()) {
      setStatus(status, "请先在页面上方“访问令牌”中填写令牌，才能看到你的草稿。", "bad");
      return;
    }
    setStatus(status, "正在读取……");
    apiJson("/v1/drafts?limit=50").then(function (body) {
      historyLoaded = true;
      list.textContent = "";
      (body.drafts || []).forEach(function (d) {
        var date = new Date(d.created_at), when = isNaN(date) ? String(d.created_at || "")
          : date.toLocaleString("zh-CN", { hour12: false });
        list.appendChild(el("li", { className: "history-item" }, [
          el("div", {}, [
            el("strong", { text: when }), " ",
            el("span", { className: "badge", text: STATUS[d.status] || d.status }), " ",
            d.verdict ? el("span", { text: "结论：" + d.verdict }) : null]),
          el("div", { className: "hint", text: (d.structure || "未指定结构") + " · " + (d.model || "提纲（未配置模型）") + " · " + d.chars + " 字" }),
          el("button", { type: "button", className: "open", "data-id": d.id, text: "打开",
                         "aria-label": "打开 " + when + " 的草稿" })
        ]));
      });
      setStatus(status, body.count ? "共 " + body.count + " 份草稿" + (body.count > 50 ? "（显示最近 50 份）" : "") + "。" : "还没有草稿。");
    }, function (err) { setStatus(status, err.message, "bad"); });
  }
  $("history-refresh").addEventListener("click", loadHistory);
  $("history-list").addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.open");
    if (!btn) return;
    var status = $("history-status");
    apiJson("/v1/drafts/" + encodeURIComponent(btn.getAttribute("data-id"))).then(function (d) {
      if (!d.text) { setStatus(status, "这份草稿没有内容（" + (STATUS[d.status] || d.status) + "）。", "bad"); return; }
      $("review-text").value = d.text;
      if (d.structure) $("review-structure").value = d.structure;
      var show = function (review) {
        showReview(d.text, review, "草稿（" + (STATUS[d.status] || d.status) + "）");
        if (d.revision && (d.revision.rounds || []).length) $("review-result").appendChild(renderRounds(d.revision));
        selectTab($("tab-review"), true);
        $("review-result").scrollIntoView({ block: "start" });
      };
      if (isCompleteReview(d.review)) { show(d.review); return; }
      return apiJson("/v1/reviews", { method: "POST", json: { text: d.text, structure: d.structure || undefined } }).then(show);
    }).catch(function (err) { setStatus(status, err.message, "bad"); });
  });

  loadStructures();
})();
