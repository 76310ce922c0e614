"""Trust headers: a strict Content-Security-Policy on every page (nonces for the few inline scripts and
styles, nothing inline without one), and Cache-Control: no-store on every answer to a signed-in user —
pages, exports, the API."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from fieldcrm.lib.headers import tile_sources
from fieldcrm.org.models import ApiToken
from tests.factories import make_customer

ROOT = Path(settings.BASE_DIR) / "fieldcrm"
SKIPPED: list[Path] = []


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.django_db
def test_a_page_has_a_strict_policy(cast, login):
    page = login(cast["alice"]).get("/customers/")
    assert page.status_code == 200
    csp = directives(page)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]
    for kind in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[kind] and "'unsafe-eval'" not in csp[kind]
        assert csp[kind][0] == "'self'"
    assert {"'self'", "data:"} <= set(csp["img-src"])
    assert page["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_inline_script_runs_by_the_pages_nonce(cast, login):
    shop = make_customer(cast["alice"])
    page = login(cast["alice"]).get(f"/customers/{shop.customer_code}/")
    nonces = set(re.findall(r'<script nonce="([^"]+)"', page.content.decode()))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in directives(page)["script-src"]


def test_the_map_tiles_hosts_are_allowed_as_images():
    from fieldcrm.visits.views.plans import TILE_PRESETS

    for preset, (url, *_rest) in TILE_PRESETS.items():
        sources = tile_sources(preset)
        if not url:
            assert sources == []
            continue
        host = re.match(r"https://([^/]+)/", url).group(1).replace("{s}", "1")
        assert any(source.startswith("https://") and _matches(source[8:], host) for source in sources), preset
    assert tile_sources("osm", "https://{s}.tiles.example.cn/{z}/{x}/{y}.png") == ["https://*.tiles.example.cn"]
    assert tile_sources("osm", "http://maps.local:8080/{z}/{x}/{y}.png") == ["http://maps.local:8080"]
    assert tile_sources("none") == [] and tile_sources("osm", "javascript:alert(1)") == []


def _matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def test_the_configured_tiles_are_in_the_policy():
    img = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert all(source in img for source in tile_sources(settings.MAP_TILES, settings.MAP_TILE_URL))


@pytest.mark.django_db
def test_pages_for_a_signed_in_user_are_not_stored(cast, login):
    shop = make_customer(cast["alice"])
    client = login(cast["alice"])
    for url in ("/customers/", f"/customers/{shop.customer_code}/", "/account/", "/notices/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


@pytest.mark.django_db
def test_an_export_is_not_stored(cast, login):
    make_customer(cast["alice"])
    export = login(cast["alice"]).get("/customers/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in export["Cache-Control"]


@pytest.mark.django_db
def test_the_api_is_not_stored(cast):
    make_customer(cast["alice"])
    answer = Client().get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast['alice'])}")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    refused = Client().get("/api/v1/customers", HTTP_AUTHORIZATION="Bearer fcrm_nothing")
    assert refused.status_code == 401 and "Content-Security-Policy" in refused


@pytest.mark.django_db
def test_a_views_own_cache_control_is_kept(cast, login):
    favicon = login(cast["alice"]).get("/favicon.ico")
    assert "public" in favicon["Cache-Control"] and "no-store" not in favicon["Cache-Control"]


@pytest.mark.django_db
def test_the_login_page_has_the_policy_too(client):
    page = client.get("/login/")
    assert page.status_code == 200 and directives(page)["default-src"] == ["'self'"]


# --- the templates: nothing inline the policy would block ----------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)=["']\s*javascript:""", re.I)


def templates():
    found = [path for path in ROOT.rglob("templates/**/*.html")
             if not any(path.is_relative_to(skipped) for skipped in SKIPPED)]
    assert len(found) > 50
    return found


def without_comments(text: str) -> str:
    return re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", "", text, flags=re.S)


@pytest.mark.parametrize("rule", [INLINE_SCRIPT, INLINE_STYLE, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, JS_URL],
                         ids=["script without nonce", "style without nonce", "style attribute", "on* handler",
                              "javascript: url"])
def test_no_template_has_inline_code_without_the_nonce(rule):
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
                 for path in templates() for match in rule.finditer(without_comments(path.read_text()))]
    assert offenders == []


def test_our_scripts_write_no_style_attributes_as_html():
    """Markup built as text in our own scripts is markup too (a Leaflet divIcon's HTML, say)."""
    scripts = [path for path in (ROOT / "static").rglob("*.js")
               if "vendor" not in path.parts and not any(path.is_relative_to(s) for s in SKIPPED)]
    offenders = [str(path.relative_to(ROOT)) for path in scripts
                 if re.search(r"""['"][^'"]*<[a-z][^>'"]*\s(style|on[a-z]+)=""", path.read_text(), re.I)]
    assert offenders == []


def test_the_scanner_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x</script>')
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">x</script>')
    assert not INLINE_SCRIPT.search("<script src=\"{% static 'a.js' %}\" defer></script>")
    assert INLINE_STYLE.search("<style>p{}</style>") and not INLINE_STYLE.search(
        '<style nonce="{{ request.csp_nonce }}">')
    assert STYLE_ATTRIBUTE.search('<td class="x" style="width: 1em">')
    assert HANDLER_ATTRIBUTE.search('<select name="l" onchange="this.form.submit()">')
    assert not HANDLER_ATTRIBUTE.search('<select name="l" data-autosubmit aria-label="Language">')
