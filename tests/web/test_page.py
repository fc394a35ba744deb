"""The page and the routes it needs, without a browser (TestClient)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api import create_app
from service.web import page as web_page
from tests.web.conftest import SEED, make_settings

WEB = Path(web_page.__file__).parent


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


class _Form(HTMLParser):
    """Collects ids, <label for>, and the form controls (with whether a label wraps them)."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict, bool]] = []
        self.external: list[str] = []
        self._label_depth = 0
        self._in_template = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("src", "href", "action"):
            v = a.get(key) or ""
            if re.match(r"^(https?:)?//", v):
                self.external.append(v)
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append((tag, a, self._label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1


def test_page_is_served_in_chinese_with_a_strict_csp(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text
    assert "生成初稿" in r.text and "审读" in r.text and "我的草稿" in r.text
    csp = r.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'", "style-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_every_field_has_a_label_and_nothing_is_external(client):
    html = client.get("/").text
    form = _Form()
    form.feed(html)
    assert form.external == []
    assert len(form.controls) >= 12
    for tag, attrs, wrapped in form.controls:
        assert wrapped or attrs.get("id") in form.label_for or attrs.get("aria-label"), (tag, attrs)
    assert form.label_for <= form.ids   # no label points at a missing control


def test_no_third_party_urls_in_templates_or_static():
    for path in list((WEB / "templates").glob("*.html")) + list((WEB / "static").glob("*")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path.name
        assert "@import" not in text and "fonts.googleapis" not in text


def test_structures_are_offered(client):
    html = client.get("/").text
    from service.structures import list_structures

    for s in list_structures():
        assert f'<option value="{s.id}"' in html


def test_html_environment_escapes_and_is_not_the_prompt_environment(client, monkeypatch):
    from service.prompts import environment

    assert web_page.html_env.autoescape is True
    assert web_page.templates.env is web_page.html_env
    prompt_env = environment()
    assert prompt_env is not web_page.html_env and not prompt_env.autoescape
    monkeypatch.setattr(web_page, "_structures",
                        lambda: [{"id": "x\"><script>alert(1)</script>", "title": "<b>标题</b>", "year": 2024}])
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html and "<b>标题</b>" not in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html


def test_static_files(client):
    html = client.get("/").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3
    js = ""
    for src in scripts:
        r = client.get(src)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], src
        js += r.text
    css = client.get("/static/page.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "fetch(" in js and "getReader" in js   # the SSE POST is read with fetch + a reader
    assert client.get("/static/../app.py").status_code == 404


# ---- POST /v1/reviews/file ------------------------------------------------------------

def test_review_file_txt_drops_the_bom_and_spans_index_the_returned_text(client):
    text = SEED.read_text(encoding="utf-8")
    r = client.post("/v1/reviews/file?name=draft.txt", content=b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == text and body["name"] == "draft.txt"
    same = client.post("/v1/reviews", json={"text": text}).json()
    assert body["findings"] == same["findings"] and body["verdict"] == same["verdict"]
    placeholder = [f for f in body["findings"] if f["rule"] == "DZ405"]
    assert placeholder and all(text[f["start"]:f["end"]] == "XX" for f in placeholder)


def test_review_file_docx(client):
    import docx

    d = docx.Document()
    for line in SEED.read_text(encoding="utf-8").splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    r = client.post("/v1/reviews/file?name=%E6%9D%90%E6%96%99.docx&structure=org-life-2021", content=buf.getvalue(),
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["structure"] == "org-life-2021" and body["name"] == "材料.docx"
    assert "缺乏探索精神" in body["text"]
    for f in body["findings"]:
        assert 0 <= f["start"] <= f["end"] <= len(body["text"])


@pytest.mark.parametrize("content, query, status, words", [
    (b"", "name=a.txt", 422, "空"),
    (b"\x00\x01\x02binary", "name=a.bin", 422, "不是文本文件"),
    (b"\xff\xfe\xfa bad", "name=gbk.txt", 422, "UTF-8"),
    (b"PK\x03\x04 not a zip", "name=x.docx", 422, "Word"),
    ("一、查摆问题\n一是学习不够。".encode(), "name=a.txt&structure=no-such", 422, "no-such"),
])
def test_review_file_errors_are_chinese(client, content, query, status, words):
    r = client.post(f"/v1/reviews/file?{query}", content=content)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]


def test_review_file_damaged_docx_is_a_422_not_a_500(client):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<not xml")
    r = client.post("/v1/reviews/file?name=bad.docx", content=buf.getvalue())
    assert r.status_code == 422, r.text
    assert "bad.docx" in r.json()["error"]["message"] and "Word" in r.json()["error"]["message"]


def test_review_file_needs_the_token_when_tokens_are_set(tmp_path):
    token = "file-test-token-0123456789"
    with TestClient(create_app(make_settings(tmp_path, api_tokens=[token]))) as c:
        assert c.post("/v1/reviews/file", content=b"abc").status_code == 401
        ok = c.post("/v1/reviews/file?name=a.txt", content="一、查摆问题\n一是XX。".encode(),
                    headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert c.get("/").status_code == 200   # the page itself is public; its API calls are not


# ---- Word export ------------------------------------------------------------------------

def test_export_docx_is_a_word_file(client):
    import docx

    text = "2021年度组织生活会个人对照检查材料\n一、查摆的问题\n一是理论学习不够深入。\x05"
    r = client.post("/v1/exports/docx", json={"text": text})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "attachment" in r.headers["content-disposition"]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs]
    assert "一是理论学习不够深入。" in "\n".join(paragraphs)


def test_page_exports_through_the_api_route(client):
    """The page's Word export is the API's own POST /v1/exports/docx (one route)."""
    spec = client.get("/v1/openapi.json").json()["paths"]
    assert "post" in spec["/v1/exports/docx"] and "/v1/reviews/file" in spec
    r = client.post("/v1/exports/docx", json={"text": "个人对照检查材料\n一、查摆问题\n一是缺席3次学习。"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
