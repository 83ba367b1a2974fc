import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-journal-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The journal's whole records (a torn last line left out, as `zerodrop report` does). */
function journalRecords(dir: string): any[] {
  const path = join(dir, 'journal.ndjson');
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop();
  return lines.map((l) => JSON.parse(l));
}

/** Sent + unsent over every counts record of the journal. */
const countedIn = (records: any[]): number =>
  records.filter((r) => r.type === 'counts').reduce((n, r) => n + r.rows.reduce((m: number, b: { counts: number[] }) => m + b.counts.reduce((a, c) => a + c, 0), 0), 0);

/** Waits (bounded) until the journal's load has run `ms`, by its own records. */
async function waitForLoad(dir: string, ms: number, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const recs = journalRecords(dir);
    const start = recs.find((r) => r.type === 'mark' && r.name === 'load-start');
    if (start !== undefined && recs.some((r) => r.type === 'counts' && r.tMs >= start.atMs + ms)) return;
    if (Date.now() > deadline) throw new Error(`the journal in ${dir} did not show ${ms} ms of load within ${limitMs} ms: ${recs.length} records`);
    await sleep(100);
  }
}

describe('the run journal (end to end)', () => {
  let target: Server;
  let url = '';
  /** Wall-clock times at which the server received each request and finished each response. */
  const received: number[] = [];
  const finished: number[] = [];
  beforeAll(async () => {
    target = createServer((req, res) => {
      received.push(Date.now());
      res.on('finish', () => finished.push(Date.now()));
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(target.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((r) => target.close(() => r())));

  it('a run killed with SIGKILL 4 s into 20 s is rebuilt by `zerodrop report DIR`, exact up to its last record (exit 2)', async () => {
    const out = tmp();
    const { child, result } = startCli(['run', '--url', url, '--rate', '200', '--duration', '20s', '--out', out, '--quiet']);
    await waitForLoad(out, 3500);
    child.kill('SIGKILL');
    const killed = await result;
    expect(killed.code).toBe(null);
    expect(readdirSync(out)).toEqual(['journal.ndjson']);

    const records = journalRecords(out);
    const last = records[records.length - 1];
    const r = await runCli(['report', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cut short.*rebuilt its reports from journal\.ndjson/);
    for (const f of ['report.json', 'summary.md', 'junit.xml', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const report = readReport(out);
    expect(report.aborted).toBe(true);
    expect(report.verdict).toBe('inconclusive');
    expect(report.reasons[0]).toMatch(/cut short/);
    expect(report.rebuilt).toMatchObject({ complete: false, lastRecordAt: new Date(last.wallMs).toISOString() });
    expect(report.digest).toMatch(/^sha256:/);
    // Exact: the report totals what the journal's records hold, no more, no less.
    expect(report.totals.sent + report.totals.unsent).toBe(countedIn(records));
    expect(report.totals.sent).toBe(report.totals.succeeded + report.totals.failed);
    expect(report.totals.failed).toBe(0);
    // And the journal holds every request that had ended when its last record was written: at most
    // what the server had received by then (the reachability check is one request more), at least
    // what it had answered a little before (a delta is cut up to 0.5 s before the record that
    // writes it, and a response reaches the client after the server sends it: 2 s covers both
    // on a loaded machine).
    const upTo = (times: number[], t: number): number => times.filter((x) => x <= t).length;
    expect(report.totals.sent).toBeLessThanOrEqual(upTo(received, last.wallMs));
    expect(report.totals.sent).toBeGreaterThanOrEqual(upTo(finished, last.wallMs - 2000) - 1);
    expect(report.totals.sent).toBeGreaterThan(400);

    // Again: report.json is now the rebuilt one of the same run; it is read, not rebuilt.
    const again = await runCli(['report', out, '--format', 'md']);
    expect(again.code).toBe(2);
    expect(again.stderr).not.toMatch(/rebuilt/);
    expect(again.stdout).toMatch(/cut short/);
    // And it agrees with its journal.
    const check = await runCli(['report', out, '--from-journal']);
    expect(check.code, check.stderr).toBe(2);
    expect(check.stderr).toMatch(/agrees with its journal/);
  }, 120_000);

  it('a finished run\'s journal re-derives its report: --from-journal agrees, and catches an edited report.json (exit 4)', async () => {
    const out = tmp();
    const run = await runCli(['run', '--url', url, '--rate', '200', '--duration', '2s', '--out', out, '--quiet']);
    // 400 requests cannot prove 0.1%: inconclusive
    expect(run.code, run.stderr).toBe(2);
    const records = journalRecords(out);
    expect(records[0].type).toBe('plan');
    expect(records[records.length - 1]).toMatchObject({ type: 'end', verdict: 'inconclusive', exitCode: 2 });
    const saved = readReport(out);
    expect(saved.totals.sent + saved.totals.unsent).toBe(countedIn(records));

    const ok = await runCli(['report', out, '--from-journal']);
    expect(ok.code, ok.stderr).toBe(2);
    expect(ok.stderr).toMatch(/agrees with its journal/);

    const text = readFileSync(join(out, 'report.json'), 'utf8');
    writeFileSync(join(out, 'report.json'), text.replace(/"verdict": "inconclusive"/, '"verdict": "pass"'));
    const edited = await runCli(['report', out, '--from-journal']);
    expect(edited.code).toBe(4);
    expect(edited.stderr).toMatch(/disagrees with the run's journal/);
    expect(edited.stderr).toMatch(/verdict: report\.json says "pass", the journal says "inconclusive"/);

    // A report.json that is not a report is bad input, journal or not.
    writeFileSync(join(out, 'report.json'), '{"schemaVersion": 1}');
    expect((await runCli(['report', out])).code).toBe(3);
    // A finished run whose report.json is gone: rebuilt whole from the journal, with the run's own exit code.
    rmSync(join(out, 'report.json'));
    const rebuilt = await runCli(['report', out]);
    expect(rebuilt.code, rebuilt.stderr).toBe(2);
    expect(rebuilt.stderr).toMatch(/finished but its report\.json is missing/);
    const again = readReport(out);
    expect(again.rebuilt).toMatchObject({ complete: true });
    expect({ verdict: again.verdict, aborted: again.aborted, totals: again.totals, window: again.window, statusCodes: again.statusCodes }).toEqual({
      verdict: saved.verdict,
      aborted: saved.aborted,
      totals: saved.totals,
      window: saved.window,
      statusCodes: saved.statusCodes,
    });
    expect(again.generator).toEqual(saved.generator);
    expect(again.latency).toEqual(saved.latency);
  }, 120_000);

  it('leaves no folder behind for a run that never started (exit 4)', async () => {
    const base = tmp();
    const out = join(base, 'never');
    const r = await runCli(['run', '--url', 'http://127.0.0.1:1/', '--rate', '10', '--duration', '1s', '--out', out]);
    expect(r.code).toBe(4);
    expect(existsSync(out)).toBe(false);
  });
});

/** pid -> [ppid, starttime] of every process, from /proc. */
function processTable(): Map<number, [number, string]> {
  const out = new Map<number, [number, string]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), [Number(f[1]), f[19]!]);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every descendant of `root` now, with its start time (so a reused pid is not mistaken for it). */
function descendants(root: number): Array<{ pid: number; start: string }> {
  const table = processTable();
  const found: Array<{ pid: number; start: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, [ppid, start]] of table) {
      if (ppid !== parent) continue;
      found.push({ pid, start });
      queue.push(pid);
    }
  }
  return found;
}

describe('the run journal on the emulator (end to end)', () => {
  it('a run SIGKILLed mid-rollout is rebuilt with exact counts and the rollout events up to its last record, and leaves no pod process', async () => {
    const out = tmp();
    const { child, result } = startCli(['run', 'scenarios/emulator-graceful.yaml', '--pod-header', 'x-pod-name', '--out', out, '--quiet']);
    // Mid-rollout by the journal's own records: the trigger started, the rollout has events since,
    // a counts record came after them, and the release has not finished.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const recs = journalRecords(out);
      const start = recs.find((r) => r.type === 'mark' && r.name === 'trigger-start');
      const since = start === undefined ? [] : recs.filter((r) => r.type === 'event' && r.event.tMs >= start.atMs && r.event.type !== 'trigger-sent');
      expect(recs.some((r) => r.type === 'trigger'), 'the release finished before the test could kill the run mid-rollout').toBe(false);
      if (since.length > 0 && recs.some((r) => r.type === 'counts' && r.seq > since[0].seq)) break;
      if (Date.now() > deadline) throw new Error(`no rollout in the journal after 120 s:\n${(await Promise.race([result, sleep(1).then(() => undefined)]))?.stderr ?? ''}`);
      await sleep(100);
    }
    const family = descendants(child.pid!);
    expect(family.length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    expect((await result).code).toBe(null);

    // Every process the run started (the pods' watchdogs and apps) dies with it.
    const alive = (): Array<{ pid: number; start: string }> => {
      const table = processTable();
      return family.filter((p) => table.get(p.pid)?.[1] === p.start);
    };
    for (let i = 0; i < 150 && alive().length > 0; i++) await sleep(100);
    expect(alive(), 'processes left behind by the killed run').toEqual([]);

    const records = journalRecords(out);
    const r = await runCli(['report', out]);
    expect(r.code, r.stderr).toBe(2);
    const report = readReport(out);
    expect(report.aborted).toBe(true);
    expect(report.verdict).toBe('inconclusive');
    expect(report.rebuilt.complete).toBe(false);
    expect(report.totals.sent + report.totals.unsent).toBe(countedIn(records));
    expect(report.totals.sent).toBe(report.totals.succeeded + report.totals.failed);
    // The rollout events up to the last record, exactly those the journal holds.
    const journalEvents = records.filter((x) => x.type === 'event').map((x) => x.event).sort((a, b) => a.tMs - b.tMs);
    expect(report.events).toEqual(journalEvents);
    expect(report.events.map((e: { type: string }) => e.type)).toContain('trigger-sent');
    expect(report.phases.map((p: { name: string }) => p.name)).toContain('rollout');
    expect(report.pods.length).toBeGreaterThan(0);
    expect(report.trigger).toBe(null);
  }, 240_000);
});
