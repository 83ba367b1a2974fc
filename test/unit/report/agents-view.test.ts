import { describe, expect, it } from 'vitest';
import { agentCells, agentsHeadline } from '../../../src/report/agents-view.js';
import { renderConsole } from '../../../src/report/console.js';
import { renderHtml } from '../../../src/report/html.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import type { AgentSummary } from '../../../src/report/model.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const COMPLETED: AgentSummary = { index: 0, pod: 'zd-agent-0-abc', status: 'completed', lastRecordMs: 21_950, clockSkewMs: -3.2, clockSkewAtMostMs: 41.5, sent: 5000 };
const DIED: AgentSummary = { index: 1, pod: 'zd-agent-1-def', status: 'died', lastRecordMs: 8_400, clockSkewMs: 12, sent: 1900, message: 'its pod failed: OOMKilled' };
const NEVER: AgentSummary = { index: 2, pod: null, status: 'not-started', lastRecordMs: null, clockSkewMs: null, lateMs: 1500 };

describe('agents view', () => {
  it.each([
    [COMPLETED, ['0', 'zd-agent-0-abc', 'completed', '5,000', '21.95 s', '-3.20 ms to +41.5 ms', '']],
    [DIED, ['1', 'zd-agent-1-def', 'died', '1,900', '8.4 s', 'at least +12.0 ms', 'its pod failed: OOMKilled']],
    [NEVER, ['2', 'none', 'not-started', '-', 'none', 'unknown', 'ready 1.5 s after the shared start']],
  ])('cells of agent %#', (agent, cells) => {
    expect(agentCells(agent)).toEqual(cells);
  });

  it('sums up in one line', () => {
    expect(agentsHeadline([COMPLETED])).toBe('1 load agent: all completed');
    expect(agentsHeadline([COMPLETED, DIED, NEVER])).toBe('3 load agents: 2 did not complete');
  });

  it('every renderer shows the agents of a distributed run, and none without', () => {
    const plain = fixtureReports().fail;
    const report = { ...plain, agents: [COMPLETED, DIED, NEVER] };
    const consoleText = renderConsole(report, { width: 160 });
    expect(consoleText).toContain('3 load agents: 2 did not complete');
    expect(consoleText).toMatch(/1 .*zd-agent-1-def .*died .*its pod failed: OOMKilled/);
    const md = renderMarkdown(report);
    expect(md).toContain('<details><summary>3 load agents: 2 did not complete</summary>');
    expect(md).toContain('| 2 | none | not-started | - | none | unknown | ready 1.5 s after the shared start |');
    const html = renderHtml(report);
    expect(html).toContain('<section id="agents-section"><h2>3 load agents: 2 did not complete</h2>');
    expect(html).toContain('<tr data-status="died"><td class="num">1</td><td>zd-agent-1-def</td><td>died</td>');
    for (const text of [renderConsole(plain), renderMarkdown(plain), renderHtml(plain)]) expect(text).not.toContain('load agent');
  });

  it('the console lists only the agents that did not complete when there are many', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...COMPLETED, index: i, pod: `zd-agent-${i}` }));
    many[7] = { ...DIED, index: 7, pod: 'zd-agent-7' };
    const text = renderConsole({ ...fixtureReports().pass, agents: many }, { width: 160 });
    expect(text).toContain('12 load agents: 1 did not complete');
    expect(text).toContain('zd-agent-7');
    expect(text).not.toContain('zd-agent-3');
  });
});
