"""The certificate HTML in a real browser: Debian's chromium, driven by playwright.

At 1024 px no table is wider than its box, and neither there nor on a 390 px phone does the page
scroll sideways; the figures are SVG images that load; the print stylesheet puts each annex on a new page.
A screenshot is saved as a test artefact. These tests skip only when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.plots import certificate_figures
from ssbcert.certificate.render_html import write_html
from ssbcert.certificate.signing import sign

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
# screenshots land here (outside the work tree): $SSBCERT_TEST_ARTEFACTS, else <tmp>/ssbcert-test-artefacts
ARTEFACTS = Path(os.environ.get("SSBCERT_TEST_ARTEFACTS", Path(tempfile.gettempdir()) / "ssbcert-test-artefacts"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium browser (apt-get install chromium)")


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSBCERT_HOME", str(home))
        cert = sign(example_certificate())
    cert = cert.model_copy(update={"performed_at": "a very long location name " * 12})  # long text must wrap, not widen
    return write_html(cert, tmp_path_factory.mktemp("html") / "certificate.html", figures=certificate_figures(cert))


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 0.5)
    .map(t => (t.id || t.querySelector('th')?.textContent) + ': ' + t.scrollWidth + ' > ' + t.clientWidth);
  const doc = document.documentElement;
  return {wide, page: [doc.scrollWidth, doc.clientWidth], tables: document.querySelectorAll('table').length};
}"""


@pytest.mark.parametrize("width", [1024, 390])
def test_no_table_overflows_and_no_horizontal_scroll(browser, html_file: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(html_file.as_uri())
    found = page.evaluate(OVERFLOW)
    assert found["tables"] >= 8
    if width >= 1024:  # on a phone a wide table scrolls inside its own box instead
        assert found["wide"] == [], found["wide"]
    assert found["page"][0] <= found["page"][1], f"page scrolls sideways: {found['page']}"
    if width == 1024:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTEFACTS / "certificate-1024.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
    page.close()


def test_figures_are_loaded_svg_images(browser, html_file: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto(html_file.as_uri())
    figs = page.evaluate("""() => [...document.querySelectorAll('figure img')].map(i =>
        ({svg: i.src.startsWith('data:image/svg+xml'), w: i.naturalWidth, shown: i.clientWidth}))""")
    assert figs and all(f["svg"] and f["w"] > 100 and 0 < f["shown"] <= 1024 for f in figs), figs
    page.close()


def test_print_stylesheet_starts_each_annex_on_a_new_page(browser, html_file: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(html_file.as_uri())
    page.emulate_media(media="print")
    breaks = page.evaluate("""() => [...document.querySelectorAll('section.annex')].map(s => getComputedStyle(s).breakBefore)""")
    assert breaks and all(b == "page" for b in breaks), breaks
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
