import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../../src/report/build-report.js';
import { renderConsole } from '../../../src/report/console.js';
import { renderHtml } from '../../../src/report/html.js';
import { renderJunit } from '../../../src/report/junit.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import type { ConnectionRecording } from '../../../src/streams/connection-log.js';
import { passInput } from '../../fixtures/reports/synthetic-run.js';

// A stream load's report: the request figures read as messages, report.connections is there, and
// every renderer shows it; an HTTP load's report has no connections section (the contract is unchanged).

const recording = (cut: boolean): ConnectionRecording => ({
  kind: 'websocket',
  connections: 2,
  messageRate: 10,
  promptMs: 2000,
  resent: 0,
  skipped: 3,
  closedAtEnd: 2,
  events: [
    { tMs: 0, kind: 'open', client: 0, pod: 'web-old-1' },
    { tMs: 0, kind: 'open', client: 1, pod: 'web-old-1' },
    { tMs: 9500, kind: 'close', client: 0, pod: 'web-old-1', close: cut ? 'cut' : 'graceful', code: cut ? 1006 : 1001, lost: cut ? 1 : 0, openMs: 9500 },
    { tMs: 9600, kind: 'open', client: 0, pod: 'web-new-1', reconnectMs: 100, after: cut ? 'cut' : 'graceful' },
  ],
});

describe('a stream load in the report', () => {
  it('passes with graceful closes and prompt reconnects, in messages', () => {
    const r = analyzeRun({ ...passInput(), connections: recording(false) });
    expect(r.verdict).toBe('pass');
    expect(r.connections).toMatchObject({ kind: 'websocket', opened: 3, closedGracefully: 1, cut: 0, reconnect: { count: 1, p50Ms: 100 } });
    expect(r.checks.find((c) => c.id === 'connections-within-budget')?.status).toBe('pass');
    expect(r.checks.find((c) => c.id === 'failure-budget')?.name).toBe('failed messages within the 0.1% budget');
    expect(r.reasons[0]).toMatch(/messages/);
  });

  it('fails on a cut, with the WebSocket diagnosis first, and every renderer shows the connections', () => {
    const r = analyzeRun({ ...passInput(), connections: recording(true) });
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0]).toBe('of the 3 WebSocket connections held during the rollout and cooldown, 1 cut without a close frame (33.3%), over the 0.1% budget');
    expect(r.diagnosis[0]?.id).toBe('websocket-cut-on-exit');
    const console = renderConsole(r, { width: 200 });
    expect(console).toContain('2 WebSocket connections x 10 messages/s');
    expect(console).toContain('3 connections opened (1 reconnects); 0 closed gracefully; 1 cut without a close frame');
    const md = renderMarkdown(r);
    expect(md).toContain('#### Connections');
    expect(md).toContain('| 9 s | 1 | 1 | 0 | 1 | 0 | 0 | 1 |');
    const html = renderHtml(r);
    expect(html).toContain('<section id="connections-section">');
    expect(html).toContain('id="connections-timeline"');
    expect(renderJunit(r)).toContain('<property name="connections.cut" value="1"/>');
  });

  it('an HTTP load has no connections section', () => {
    const r = analyzeRun(passInput());
    expect(r.connections).toBeUndefined();
    expect(renderMarkdown(r)).not.toContain('#### Connections');
  });
});
