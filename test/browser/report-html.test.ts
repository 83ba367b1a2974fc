/**
 * report.html in a real browser: the pass, fail and hostile (inconclusive) fixture reports rendered
 * to files and opened from file://. Checks what a reader sees (figures, markers, tables, hover),
 * that the page loads nothing and logs no error, that hostile text runs nothing and does not widen
 * the page, and that it reads with JavaScript off. Screenshots go to reports/examples/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount } from '../../src/text/format.js';
import { renderHtml } from '../../src/report/index.js';
import type { Report } from '../../src/report/index.js';
import { fixtureReports, okTrigger } from '../fixtures/reports/synthetic-run.js';
import { launchChromium } from './chromium.js';

// The few browser globals the page functions below use (the project compiles without the DOM lib).
declare const window: { innerWidth: number; __pwned?: unknown; getComputedStyle(el: unknown): { borderLeftColor: string } };
declare const document: { documentElement: { scrollWidth: number } };

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../reports/examples');
const reports = fixtureReports();
/** The fail fixture with release commands too short for its labels to sit side by side. */
const shortReleases: Record<string, Report> = {
  'release-0ms': { ...reports.fail, trigger: okTrigger(10_000, 10_000) },
  'release-40ms': { ...reports.fail, trigger: okTrigger(10_000, 10_040) },
  'release-400ms': { ...reports.fail, trigger: okTrigger(10_000, 10_400) },
};
const dir = mkdtempSync(join(tmpdir(), 'zerodrop-html-'));
mkdirSync(EXAMPLES, { recursive: true });
const urls: Record<string, string> = {};
for (const [name, report] of Object.entries({ ...reports, ...shortReleases })) {
  const path = join(dir, `${name}.html`);
  writeFileSync(path, renderHtml(report));
  urls[name] = pathToFileURL(path).href;
}

let browser: Browser | undefined;
let launchError: unknown;

// A launch failure (Chromium missing) fails every test with the fix, rather than skipping them.
beforeAll(async () => {
  try {
    browser = await launchChromium();
  } catch (err) {
    launchError = err;
  }
});

afterAll(async () => {
  await browser?.close();
});

/** A page with everything it does recorded: console errors, page errors, dialogs, requests beyond the file itself. */
interface Watched {
  context: BrowserContext;
  page: Page;
  errors: string[];
  dialogs: string[];
  requests: string[];
}

async function open(name: keyof typeof reports | keyof typeof shortReleases, opts: { width?: number; javaScriptEnabled?: boolean } = {}): Promise<Watched> {
  if (browser === undefined) throw launchError;
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, javaScriptEnabled: opts.javaScriptEnabled ?? true, offline: true });
  const page = await context.newPage();
  const w: Watched = { context, page, errors: [], dialogs: [], requests: [] };
  const url = urls[name] as string;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) w.requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return w;
}

async function cellText(page: Page, row: string, col: string): Promise<string> {
  return (await page.locator(`#figures tr[data-row="${row}"] td[data-col="${col}"]`).textContent()) ?? '';
}

describe.each(['pass', 'fail'] as const)('report.html of the %s fixture', (name) => {
  const report: Report = reports[name];

  it('shows the verdict in words and colour, and the figures of the report', async () => {
    const { context, page, errors, requests, dialogs } = await open(name);
    try {
      const verdict = page.locator('#verdict');
      await expect(verdict.textContent()).resolves.toContain(name.toUpperCase());
      const border = await verdict.evaluate((el) => window.getComputedStyle(el).borderLeftColor);
      expect(border).toBe(name === 'pass' ? 'rgb(26, 127, 55)' : 'rgb(207, 34, 46)');
      expect(await cellText(page, 'whole-run', 'sent')).toBe(formatCount(report.totals.sent));
      expect(await cellText(page, 'whole-run', 'failed')).toBe(formatCount(report.totals.failed));
      expect(await cellText(page, 'judged', 'sent')).toBe(formatCount(report.window.sent));
      expect(await cellText(page, 'judged', 'failed')).toBe(formatCount(report.window.failed));
      expect(await page.locator('#checks tbody tr').count()).toBe(report.checks.length);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: join(EXAMPLES, `${name}.png`), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('draws the chart: a column per interval, p99 line, phases, one marker per event, outage bands and rows', async () => {
    const { context, page, errors } = await open(name);
    try {
      const svg = page.locator('svg#timeline');
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(1000);
      expect(box?.height).toBeGreaterThan(300);
      expect(await page.locator('#timeline g.col').count()).toBe(report.timeline.points.length);
      expect(await page.locator('#timeline .phase').count()).toBe(report.phases.length);
      expect(await page.locator('#timeline path.p99-line').getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
      const markers = page.locator('#timeline g.event-marker');
      expect(await markers.count()).toBe(report.events.length);
      for (let i = 0; i < report.events.length; i++) {
        const m = await markers.nth(i).boundingBox();
        expect(m, `marker ${i} is drawn inside the chart`).not.toBeNull();
        expect((m?.x ?? -1) >= (box?.x ?? 0) && (m?.x ?? 0) + (m?.width ?? 0) <= (box?.x ?? 0) + (box?.width ?? 0)).toBe(true);
      }
      expect(await page.locator('#outages tbody tr').count()).toBe(report.outages.length);
      expect(await page.locator('#timeline rect.outage-band').count()).toBe(report.outages.length);
      expect(await page.locator('#events tbody tr').count()).toBe(report.events.length);
      expect(await page.locator('#latency-table tbody tr').count()).toBe(report.phases.length + 1);
      expect(await page.locator('#latency-chart .series').count()).toBe(report.phases.filter((p) => p.latency.count > 0).length + 1);
      // The tallest failure column of the lower strip is the interval with the most failures.
      const heights = await page.locator('#timeline g.col').evaluateAll((cols) =>
        cols.map((c) => [...c.querySelectorAll('rect[class^="f-"]')].filter((r) => Number(r.getAttribute('y')) > 270).reduce((s, r) => s + Number(r.getAttribute('height')), 0)),
      );
      const failed = report.timeline.points.map((p) => p.failed);
      expect(heights.indexOf(Math.max(...heights))).toBe(failed.indexOf(Math.max(...failed)));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows an event\'s details on hover and on keyboard focus', async () => {
    const { context, page } = await open(name);
    try {
      const tip = page.locator('#tooltip');
      await expect(tip.isHidden()).resolves.toBe(true);
      const last = report.events[report.events.length - 1] as Report['events'][number];
      await page.locator('#timeline g.event-marker').last().hover();
      await expect(tip.isVisible()).resolves.toBe(true);
      const text = (await tip.textContent()) ?? '';
      expect(text).toContain(last.type);
      expect(text).toContain(last.object);
      await page.mouse.move(5, 5);
      await expect(tip.isHidden()).resolves.toBe(true);
      await page.locator('#timeline g.event-marker').first().focus();
      expect(await tip.textContent()).toContain((report.events[0] as Report['events'][number]).object);
      if (name === 'fail') {
        await page.locator('#timeline g.col').nth(9).hover();
        expect(await tip.textContent()).toBe('9 s to 10 s: 500 sent, 460 succeeded, 40 failed (refused 40), p99 42.0 ms');
        await page.locator('#timeline g.event-marker').nth(1).hover();
        await page.locator('#timeline-section figure').screenshot({ path: join(EXAMPLES, 'fail-hover.png') });
      }
    } finally {
      await context.close();
    }
  });

  it('reads with JavaScript off: verdict, figures, tables, and native <title> tooltips', async () => {
    const { context, page, errors } = await open(name, { javaScriptEnabled: false });
    try {
      await expect(page.locator('#verdict').textContent()).resolves.toContain(name.toUpperCase());
      expect(await cellText(page, 'whole-run', 'sent')).toBe(formatCount(report.totals.sent));
      expect(await page.locator('#timeline g.event-marker > title').count()).toBe(report.events.length);
      expect(await page.locator('#outages tbody tr').count()).toBe(report.outages.length);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('report.html of the hostile fixture', () => {
  const report = reports.inconclusive;

  it('runs no script of theirs, loads nothing, logs no error, and shows their text as text', async () => {
    const { context, page, errors, requests, dialogs } = await open('inconclusive');
    try {
      await page.locator('#timeline g.event-marker').nth(1).hover();
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('img, iframe, marquee, a, object, embed').count()).toBe(0);
      expect(await page.locator('svg').count()).toBe(2);
      expect(await page.locator('#events').textContent()).toContain('</svg><img src=x onerror="window.__pwned=2">');
      expect(await page.locator('#tooltip').textContent()).toContain('<script>window.__pwned = 1</script>');
      expect(await page.locator('#verdict').textContent()).toContain('INCONCLUSIVE');
      expect(await page.locator('#timeline g.event-marker').count()).toBe(report.events.length);
    } finally {
      await context.close();
    }
  });

  it('wraps very long words instead of widening the page', async () => {
    const { context, page } = await open('inconclusive', { width: 800 });
    try {
      const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      for (const sel of ['#events', '#pods', '#cluster-facts', '#preflight-table']) {
        const box = await page.locator(sel).boundingBox();
        expect(box, sel).not.toBeNull();
        expect((box?.x ?? 0) + (box?.width ?? 0), sel).toBeLessThanOrEqual(800);
      }
      await page.locator('#rollout').screenshot({ path: join(EXAMPLES, 'hostile-wrapping.png') });
    } finally {
      await context.close();
    }
  });
});

describe('report.html: the release command\'s labels on a short rollout', () => {
  it.each(Object.keys(shortReleases).flatMap((name) => [1280, 700].map((width) => [name, width] as const)))('%s at %i px: every label drawn, no two overlapping', async (name, width) => {
    const { context, page, errors } = await open(name, { width });
    try {
      const labels = page.locator('#timeline text.trigger-label');
      expect(await labels.count()).toBe(2);
      const boxes: Array<{ text: string; x: number; y: number; width: number; height: number }> = [];
      for (let i = 0; i < 2; i++) {
        const b = await labels.nth(i).boundingBox();
        expect(b, `label ${i} is rendered`).not.toBeNull();
        boxes.push({ text: (await labels.nth(i).textContent()) ?? '', ...(b as { x: number; y: number; width: number; height: number }) });
      }
      expect(boxes.map((b) => b.text).sort()).toEqual(['end', 'release start']);
      const [a, b] = boxes as [(typeof boxes)[number], (typeof boxes)[number]];
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, JSON.stringify(boxes)).toBe(true);
      expect(errors).toEqual([]);
      if (name === 'release-40ms' && width === 1280) await page.locator('#timeline-section figure').screenshot({ path: join(EXAMPLES, 'short-release.png') });
    } finally {
      await context.close();
    }
  });
});
