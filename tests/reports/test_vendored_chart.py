"""The charting library is vendored (with its licence) and loaded from Hearth itself: no CDN, no
inline script, nothing that needs 'unsafe-eval' under the console's CSP."""
import re

from appliance.resources import webui_dir


def test_console_scripts_come_from_hearth_only(app):
    html = (webui_dir() / "console" / "index.html").read_text()
    sources = re.findall(r"<script([^>]*)>", html)
    assert sources and all(re.search(r'src="/ui/', attrs) for attrs in sources), sources
    assert '<script src="/ui/vendor/chart-4.4.9.umd.min.js" defer></script>' in html
    csp = app.test_client().get("/console").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp


def test_chart_js_is_vendored_with_its_licence_and_loads_nothing():
    vendor = webui_dir() / "vendor"
    code = (vendor / "chart-4.4.9.umd.min.js").read_text()
    assert "Chart.js v4.4.9" in code and "Released under the MIT License" in code
    assert "MIT License" in (vendor / "chart.js-LICENSE").read_text()
    assert "sourceMappingURL" not in code
    assert not re.search(r"\beval\(|new Function\(|importScripts\(", code)
    for path in [*webui_dir().rglob("*.html"), *(webui_dir() / "console").glob("*.js")]:
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", path.read_text()), path
