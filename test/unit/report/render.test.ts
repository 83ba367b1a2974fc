import { describe, expect, it } from 'vitest';
import { escapeMarkdown, escapeXmlAttr, escapeXmlText, stripControl } from '../../../src/text/escape.js';
import { formatCount, formatLatency, formatRate, formatSeconds } from '../../../src/text/format.js';
import { REPORT_FIELD_ORDER, REPORT_FORMATS, render, renderConsole, renderJson, renderJunit, renderMarkdown } from '../../../src/report/index.js';
import type { Report } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const { pass, fail, inconclusive } = fixtureReports();

describe('formats', () => {
  it.each([
    [formatRate(0), '0%'],
    [formatRate(0.001), '0.1%'],
    [formatRate(0.003682083896865671), '0.368%'],
    [formatRate(5.57e-6), '0.000557%'],
    [formatRate(1), '100%'],
    [formatCount(1234567), '1,234,567'],
    [formatCount(12), '12'],
    [formatLatency(4.214), '4.21 ms'],
    [formatLatency(42.14), '42.1 ms'],
    [formatLatency(4214.2), '4,214 ms'],
    [formatSeconds(12_300), '12.3 s'],
    [formatSeconds(500), '0.5 s'],
    [formatSeconds(12_345.6), '12.346 s'],
  ])('%s = %s', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('escaping', () => {
  it.each([
    ['a < b & "c" > \'d\'', 'a &lt; b &amp; "c" &gt; \'d\''],
    ['\u001b[31mred\u001b[0m', 'red'],
    ['nul\u0000 and bell\u0007 and ]]>', 'nul and bell and ]]&gt;'],
    ['lone \ud800 surrogate', 'lone  surrogate'],
  ])('XML text %j', (input, expected) => {
    expect(escapeXmlText(input)).toBe(expected);
  });

  it('XML attributes keep quotes and line breaks as references', () => {
    expect(escapeXmlAttr('say "hi"\nnow\'s')).toBe('say &quot;hi&quot;&#10;now&apos;s');
  });

  it.each([
    ['a|b', 'a\\|b'],
    ['<script>alert(1)</script>', '\\<script\\>alert(1)\\</script\\>'],
    ['*bold* _em_ `code` [link](x)', '\\*bold\\* \\_em\\_ \\`code\\` \\[link\\](x)'],
    ['two\nlines', 'two lines'],
    ['&amp;', '\\&amp;'],
  ])('Markdown %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it('strips terminal control sequences but keeps line breaks', () => {
    expect(stripControl('\u001b]0;title\u0007a\r\nb\u001b[2K\tc')).toBe('a\nb\tc');
  });
});

describe('render', () => {
  it('offers every format', () => {
    for (const f of REPORT_FORMATS) expect(render(pass, f).length).toBeGreaterThan(0);
  });

  it('console: colour only when asked, headline first', () => {
    expect(renderConsole(fail)).not.toMatch(/\u001b/);
    const colored = renderConsole(fail, { color: true });
    expect(colored.startsWith('\u001b[1m\u001b[31mFAIL\u001b[0m')).toBe(true);
    expect(renderConsole(pass).split('\n')[0]).toMatch(/^PASS none of the 7,500 requests/);
  });

  it('console: wraps prose to the width and lists report paths', () => {
    const text = renderConsole(fail, { width: 60, paths: { 'report.json': 'out/report.json' } });
    const prose = text.split('\n').filter((l) => !/[│┌└├]/.test(l));
    for (const line of prose) expect(line.length).toBeLessThanOrEqual(60);
    expect(text).toMatch(/ {2}report\.json {2}out\/report\.json\n$/);
  });

  it('console: outside text cannot move the cursor', () => {
    const evil: Report = { ...fail, meta: { ...fail.meta, target: { url: 'http://x/\u001b[2J\u001b[H', method: 'GET' } } };
    expect(renderConsole(evil)).not.toMatch(/\u001b/);
  });

  it('json: documented fields first in a stable order, whatever the input order', () => {
    const shuffled = Object.fromEntries(Object.entries(fail).reverse()) as unknown as Report;
    expect(renderJson(shuffled)).toBe(renderJson(fail));
    expect(Object.keys(JSON.parse(renderJson(pass)) as object)).toEqual([...REPORT_FIELD_ORDER, 'digest']);
    expect(Object.keys(JSON.parse(renderJson(fail)) as object)).toEqual([...REPORT_FIELD_ORDER, 'preflight', 'pods', 'digest']);
    expect(renderJson(fail).endsWith('}\n')).toBe(true);
  });

  it('junit: counts match the checks, inconclusive is an error, warn passes', () => {
    const xml = renderJunit(inconclusive);
    expect(xml).toMatch(/<testsuite name="zerodrop" tests="8" failures="0" errors="5" skipped="1"/);
    expect(renderJunit(fail)).toMatch(/<testsuite name="zerodrop" tests="8" failures="1" errors="0" skipped="1"/);
    expect(renderJunit(fail)).toMatch(/name="no failures before the release" time="0.000">\n\s+<system-out>warning: /);
    expect(xml).not.toMatch(/\u001b/);
    expect(xml).toContain('echo &quot;&lt;done&gt; | &amp; ]]&gt;&quot;');
    // Text nodes never carry a raw "<" or "&" that is not an entity.
    for (const text of xml.split(/<[^>]+>/)) {
      expect(text).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    }
  });

  it('junit: a clean run without a trigger skips the trigger check', () => {
    const noTrigger: Report = { ...pass, trigger: null, checks: pass.checks.map((c) => (c.id === 'trigger-succeeded' ? { ...c, status: 'skipped', message: 'no release command was run' } : c)) };
    expect(renderJunit(noTrigger)).toMatch(/<skipped message="no release command was run"\/>/);
  });

  it('markdown: outside text cannot break the tables', () => {
    const md = renderMarkdown(inconclusive);
    const pipes = (line: string): number => line.replace(/\\\|/g, '').split('|').length - 1;
    let header: number | null = null;
    for (const line of md.split('\n')) {
      if (!line.startsWith('|')) {
        header = null;
        continue;
      }
      header ??= pipes(line);
      expect(pipes(line), line).toBe(header);
    }
    expect(md).toContain('http://web.local/a\\|b?x=\\<script\\>\\&y="z"');
    expect(md).not.toMatch(/<script>/);
  });

  it('markdown: a sparkline of failures over time, none for a clean run', () => {
    expect(renderMarkdown(fail)).toContain('failed |   ▁     ▇█   ▂       |\nphase  |wwbbbbbrrrrrrrrrrccccc|');
    expect(renderMarkdown(pass)).toContain('No request failed during the run.');
  });
});

describe('the worker plan', () => {
  it('the console header says how many workers ran and why, when the report knows', () => {
    const r: Report = structuredClone(pass);
    expect(renderConsole(r, { width: 300 })).not.toMatch(/worker/);
    r.meta.load.workers = { count: 2, asked: 'auto', why: 'auto: peak 40,000/s at up to 25,000/s a worker' };
    expect(renderConsole(r, { width: 300 })).toContain(', 2 workers (auto: peak 40,000/s at up to 25,000/s a worker)');
    r.meta.load.workers = { count: 1, asked: 'auto', why: 'auto: peak 100/s at up to 25,000/s a worker' };
    expect(renderConsole(r, { width: 300 })).toContain(', 1 worker (auto: peak 100/s');
    expect(JSON.parse(renderJson(r)).meta.load.workers).toEqual({ count: 1, asked: 'auto', why: 'auto: peak 100/s at up to 25,000/s a worker' });
  });
});
