/* 对照 duizhao, the members' page: helpers shared by the page's scripts (DOM, the API
 * with the token kept in this browser, offsets, the rule catalogue, export and copy).
 * Vanilla JavaScript, no build step, no third-party code; talks only to this service. */
(function () {
  "use strict";

  var TOKEN_KEY = "duizhao.token";

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function setStatus(node, text, kind) {
    node.textContent = text || "";
    node.className = "status" + (kind ? " " + kind : "");
  }

  /* ---- token (kept in this browser only) ------------------------------------------ */
  function getToken() {
    try { return window.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }
  function saveToken(value) {
    try {
      if (value) window.localStorage.setItem(TOKEN_KEY, value);
      else window.localStorage.removeItem(TOKEN_KEY);
      return true;
    } catch (e) { return false; }
  }
  var authRequired = document.body.getAttribute("data-auth") === "on";
  function canCallApi() { return !authRequired || !!getToken(); }

  /* ---- API ------------------------------------------------------------------------ */
  function ApiError(message, status) { this.message = message; this.status = status; }
  ApiError.prototype = Object.create(Error.prototype);

  function authHeaders(extra) {
    var h = {};
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    var t = getToken();
    if (t) h.Authorization = "Bearer " + t;
    return h;
  }

  function errorMessage(resp) {
    var fallback = "请求失败（HTTP " + resp.status + "）。";
    return resp.json().then(function (body) {
      return body && body.error && body.error.message ? body.error.message : fallback;
    }, function () { return fallback; }).then(function (msg) {
      if (resp.status === 401) msg += "请在页面上方“访问令牌”中填写令牌后重试。";
      return msg;
    });
  }

  function askForToken() {
    var box = document.getElementById("token-box");
    if (box) box.open = true;
  }

  function api(path, opts) {
    opts = opts || {};
    if (!canCallApi()) {   /* the service needs a token and none is saved: do not call */
      askForToken();
      return Promise.reject(new ApiError("本服务需要访问令牌：请先在页面上方“访问令牌”中填写并保存。", 401));
    }
    var init = { method: opts.method || "GET", headers: authHeaders(opts.headers) };
    if (opts.json !== undefined) {
      init.body = JSON.stringify(opts.json);
      init.headers["Content-Type"] = "application/json";
    } else if (opts.body !== undefined) {
      init.body = opts.body;
    }
    if (opts.signal) init.signal = opts.signal;
    return fetch(path, init).then(function (resp) {
      if (resp.ok) return resp;
      if (resp.status === 401) askForToken();
      return errorMessage(resp).then(function (msg) { throw new ApiError(msg, resp.status); });
    }, function (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("无法连接到服务，请确认 duizhao serve 正在运行。", 0);
    });
  }
  function apiJson(path, opts) { return api(path, opts).then(function (r) { return r.json(); }); }

  /* ---- offsets: Python str offsets count code points; JS strings count UTF-16 units */
  function offsetMap(text) {
    var map = [0], units = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { i++; units += 2; map.push(units); continue; }
      }
      units += 1;
      map.push(units);
    }
    return map; /* map[codePointIndex] = UTF-16 index */
  }
  function toUnits(map, cp) {
    if (typeof cp !== "number" || cp <= 0) return 0;
    return cp >= map.length ? map[map.length - 1] : map[cp];
  }
  function excerpt(s, n) {
    var chars = Array.from(s.replace(/\s+/g, " ").trim());
    return chars.length > n ? chars.slice(0, n).join("") + "…" : chars.join("");
  }

  /* ---- the rule catalogue (for each finding's "why") ---------------------------- */
  var rulesPromise = null;
  function whyOf(doc) {
    var out = null;
    var lines = String(doc || "").split("\n");
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var head = /^(\S[^/：:]*?)\s*\/\s*[A-Za-z][A-Za-z ]*(\([^)]*\))?\s*[:：]\s*(.*)$/.exec(line);
      if (head) {
        if (out !== null) break;
        if (head[1].trim() === "为什么") out = [head[3].trim()];
        continue;
      }
      if (out !== null) out.push(line.trim());
    }
    return out ? out.join("").trim() : "";
  }
  function loadRules() {
    if (!rulesPromise) {
      rulesPromise = apiJson("/v1/rules").then(function (body) {
        var byCode = {};
        (body.rules || []).forEach(function (r) { byCode[r.code] = { summary: r.summary, why: whyOf(r.doc) }; });
        return byCode;
      }, function () { rulesPromise = null; return {}; });
    }
    return rulesPromise;
  }

  function resetRules() { rulesPromise = null; }

  /* ---- export, copy ------------------------------------------------------------- */
  function exportDocx(text, statusNode, name) {
    setStatus(statusNode, "正在生成 Word 文件……");
    return api("/v1/exports/docx", { method: "POST", json: { text: text } }).then(function (resp) {
      return resp.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = el("a", { href: url, download: name || "对照检查材料.docx", hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
      setStatus(statusNode, "已导出 Word 文件。", "ok");
    }, function (err) { setStatus(statusNode, err.message, "bad"); });
  }
  function copyText(text, statusNode) {
    function fallback() {
      var ta = el("textarea", { className: "offscreen", "aria-hidden": "true", tabindex: "-1" });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      setStatus(statusNode, ok ? "已复制全文。" : "无法自动复制：请在原文中全选后复制。", ok ? "ok" : "bad");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { setStatus(statusNode, "已复制全文。", "ok"); }, fallback);
    } else {
      fallback();
    }
  }

  window.duizhao = {
    $: $, el: el, setStatus: setStatus, getToken: getToken, saveToken: saveToken, canCallApi: canCallApi,
    api: api, apiJson: apiJson, offsetMap: offsetMap, toUnits: toUnits, excerpt: excerpt, whyOf: whyOf,
    loadRules: loadRules, resetRules: resetRules, exportDocx: exportDocx, copyText: copyText
  };
})();
