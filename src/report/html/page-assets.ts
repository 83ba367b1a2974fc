/**
 * The page's one stylesheet and one script, inlined into report.html. The Content-Security-Policy
 * of the page allows exactly these two (by hash) and nothing else: no network, no other script,
 * no inline handlers, so even a mistake in escaping could not run anything.
 */
import { createHash } from 'node:crypto';

/** Colours: the verdict (green, red, amber), the failure classes, the phases and the latency series. */
export const PAGE_CSS = `
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--inc:#9a6700;--inc-bg:#fff8c5;
--ok:#b4d7bd;--http_5xx:#d62728;--http_4xx:#ff7f0e;--timeout:#9467bd;--refused:#8c2d19;--reset:#e377c2;--other:#7f7f7f;
--unsent:#c9c9c9;--p99:#0b3d91;--text:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--panel:#f6f8fa}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;padding:24px;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--text);background:var(--bg);overflow-wrap:anywhere;word-break:normal}
main{max-width:1180px;margin:0 auto}
h1{font-size:22px;margin:0 0 12px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}
p{margin:6px 0}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:6px 0;max-height:420px;overflow:auto}
.verdict{border-left:8px solid;border-radius:6px;padding:12px 16px;margin:0 0 14px}
.verdict-pass{border-color:var(--pass);background:var(--pass-bg)}
.verdict-fail{border-color:var(--fail);background:var(--fail-bg)}
.verdict-inconclusive{border-color:var(--inc);background:var(--inc-bg)}
.verdict-word{font-size:26px;font-weight:700;letter-spacing:.04em;margin:0}
.verdict-pass .verdict-word{color:var(--pass)}
.verdict-fail .verdict-word{color:var(--fail)}
.verdict-inconclusive .verdict-word{color:var(--inc)}
.verdict ul{margin:6px 0 0;padding-left:20px}
.headline{font-size:16px;font-weight:600;margin:4px 0}
.budget{margin:8px 0 0}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
.status{font-weight:600;white-space:nowrap}
.status-pass{color:var(--pass)}.status-fail,.sev-error{color:var(--fail)}.status-inconclusive,.status-warn,.sev-warning{color:var(--inc)}.status-skipped,.sev-info{color:var(--muted)}
.muted{color:var(--muted)}
figure{margin:8px 0 14px}
figcaption{color:var(--muted);font-size:12.5px}
.chart{width:100%;height:auto;display:block;font-size:11px}
#latency-chart{max-width:720px}
.chart text{fill:var(--text)}
.chart .tick{fill:var(--muted)}
.chart .axis-title{fill:var(--muted);font-size:11px}
.grid{stroke:#eaeef2;stroke-width:1}
.axis,.tick-mark{stroke:#8c959f;stroke-width:1}
.phase-0{fill:#f6f8fa}.phase-1{fill:#eef1f4}
.phase-label{font-size:11px;font-weight:600}
.hit{fill:transparent}
.ok{fill:var(--ok)}
.f-http_5xx{fill:var(--http_5xx);background:var(--http_5xx)}
.f-http_4xx{fill:var(--http_4xx);background:var(--http_4xx)}
.f-timeout{fill:var(--timeout);background:var(--timeout)}
.f-refused{fill:var(--refused);background:var(--refused)}
.f-reset{fill:var(--reset);background:var(--reset)}
.f-other{fill:var(--other);background:var(--other)}
.unsent{fill:var(--unsent);background:var(--unsent)}
.sw.ok{background:var(--ok)}
.p99-line{fill:none;stroke:var(--p99);stroke-width:1.6;stroke-linejoin:round}
.sw.p99{background:var(--p99);height:3px;vertical-align:middle}
.outage-band{fill:rgba(207,34,46,.12);stroke:rgba(207,34,46,.55);stroke-dasharray:3 2}
.outage-top{fill:var(--fail)}
.outage-badge{fill:#fff;stroke:var(--fail);stroke-width:1.5}
.chart .outage-label{fill:var(--fail);font-weight:700;font-size:10px}
.outage-mark:hover .outage-badge,.outage-mark:focus .outage-badge{fill:var(--fail-bg);stroke-width:2.5}
.sw.outage{background:rgba(207,34,46,.18);border:1px dashed var(--fail)}
.trigger-line{stroke:#24292f;stroke-width:1;stroke-dasharray:1 3}
.trigger-bar{stroke:#24292f;stroke-width:3}
.trigger-label{font-size:10.5px}
.sw.trigger{background:#24292f;height:3px;vertical-align:middle}
.event-line{stroke:#57606a;stroke-width:.8;stroke-dasharray:2 2;opacity:.7}
.event-hit{stroke:transparent;stroke-width:9}
.event-diamond{stroke:#fff;stroke-width:1}
.ev-stop{fill:#cf222e}.ev-start{fill:#1a7f37}.ev-other{fill:#57606a}
.sw.ev-stop{background:#cf222e}.sw.ev-start{background:#1a7f37}.sw.ev-other{background:#57606a}
.event-marker:hover .event-line,.event-marker:focus .event-line{stroke:#000;opacity:1;stroke-dasharray:none}
.tip:focus{outline:none}
.tip:focus .event-diamond,.event-marker:hover .event-diamond{stroke:#000}
.col:hover .hit{fill:rgba(0,0,0,.06)}
.series-line{fill:none;stroke-width:2}
.series-dot{stroke:#fff;stroke-width:1}
.s0{--c:#1f77b4}.s1{--c:#2ca02c}.s2{--c:#d62728}.s3{--c:#9467bd}.s4{--c:#8c564b}.s5{--c:#e377c2}.s6{--c:#bcbd22}.s7{--c:#17becf}.s-all{--c:#24292f}
.series .series-line{stroke:var(--c)}.series .series-dot{fill:var(--c)}.s-all .series-line{stroke-dasharray:5 3}
.sw.series{background:var(--c)}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0;padding:0;list-style:none;font-size:12.5px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.cards{display:grid;gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:var(--bg)}
.card h3{margin:0 0 4px}
dl.facts{display:grid;grid-template-columns:minmax(120px,max-content) 1fr;gap:2px 14px;margin:6px 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere;min-width:0}
details{margin:6px 0}
summary{cursor:pointer}
#tooltip{position:fixed;z-index:10;max-width:min(440px,90vw);padding:6px 9px;border-radius:6px;background:#24292f;color:#fff;font-size:12.5px;line-height:1.4;pointer-events:none;white-space:pre-wrap;overflow-wrap:anywhere;box-shadow:0 3px 12px rgba(0,0,0,.25)}
#tooltip[hidden]{display:none}
footer{margin-top:28px;color:var(--muted);font-size:12px}
@media print{#tooltip{display:none}body{padding:0}}
`;

/**
 * Hover details for chart items: every `.tip` element's SVG <title> moves into a tooltip that
 * follows the pointer (and keyboard focus). Without JavaScript the <title> stays and browsers show
 * it natively; every figure is in the tables too. Text only ever goes in through textContent.
 */
export const PAGE_SCRIPT = `(function () {
  var tip = document.getElementById('tooltip');
  if (!tip) return;
  var items = document.querySelectorAll('.tip');
  function place(x, y) {
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + w > window.innerWidth - 8) left = Math.max(8, x - w - 14);
    if (top + h > window.innerHeight - 8) top = Math.max(8, y - h - 14);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }
  function show(el, x, y) {
    tip.textContent = el.getAttribute('data-tip') || '';
    tip.hidden = false;
    place(x, y);
  }
  function hide() { tip.hidden = true; }
  for (var i = 0; i < items.length; i++) {
    var el = items[i];
    var t = el.querySelector(':scope > title');
    if (t) {
      el.setAttribute('data-tip', t.textContent || '');
      el.setAttribute('aria-label', t.textContent || '');
      t.parentNode.removeChild(t);
    }
    el.addEventListener('mouseenter', function (ev) { show(ev.currentTarget, ev.clientX, ev.clientY); });
    el.addEventListener('mousemove', function (ev) { place(ev.clientX, ev.clientY); });
    el.addEventListener('mouseleave', hide);
    el.addEventListener('focus', function (ev) { var r = ev.currentTarget.getBoundingClientRect(); show(ev.currentTarget, r.left + r.width / 2, r.top + r.height / 2); });
    el.addEventListener('blur', hide);
  }
})();`;

/** The CSP source expression for an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's Content-Security-Policy: nothing loads, only our stylesheet and script run. */
export function pageCsp(): string {
  return `default-src 'none'; style-src ${cspHash(PAGE_CSS)}; script-src ${cspHash(PAGE_SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;
}
