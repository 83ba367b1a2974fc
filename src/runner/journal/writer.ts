import type { RolloutResult } from '../../analysis/verdict.js';
import type { Clock } from '../../clock.js';
import { DeltaSum } from '../../metrics/delta-sum.js';
import type { RecordingDelta } from '../../metrics/recording-cutter.js';
import type { Report, RolloutEventRecord, TriggerRecord } from '../../report/model.js';
import { redactDeep, redactHeaders } from '../../redact.js';
import type { JournalSink } from './file-sink.js';
import type { ConnectionRecording } from '../../streams/connection-log.js';
import { JOURNAL_VERSION, encodeJournalRecord, type JournalBody, type JournalRecord, type MarkRecord, type PlanRecord } from './records.js';

/** How often the journal writes what arrived (ms): the most a killed run can lose. */
export const JOURNAL_FLUSH_MS = 1000;

/**
 * Secrets never reach the journal: every `headers` map goes through redactHeaders, then every
 * string through redactDeep, as the reports do (credentials, secret query parameters and
 * assignments wherever they appear in text, and the scenario's own secret values hunted down
 * literally, so a trigger that echoes its token leaks it no more here than in report.json).
 * Applied to every record that carries text (not to the counters).
 */
export function redactRecord<T>(value: T, secrets: readonly string[] = []): T {
  return redactDeep(secretHeadersOut(value, ''), secrets) as T;
}

function secretHeadersOut(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return v.map((x) => secretHeadersOut(x, ''));
  if (typeof v !== 'object' || v === null) return v;
  if (key === 'headers' && Object.values(v).every((x) => typeof x === 'string')) return redactHeaders(v as Record<string, string>);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = secretHeadersOut(x, k);
  return out;
}

/**
 * Appends a run's journal as the run goes (see records.ts): the plan first, then once a second
 * the counters that arrived from every source since the previous second (summed into one record),
 * the histograms that closed, and the rollout events seen since; the marks and the trigger's
 * record when they happen; the end record last. Writing never throws into the run: the first
 * failure is reported through `onError` and the journal stops.
 */
export class RunJournal {
  readonly #sink: JournalSink;
  readonly #clock: Clock;
  readonly #wallNow: () => number;
  readonly #onError: (message: string) => void;
  readonly #secrets: readonly string[];
  readonly #pending = new DeltaSum();
  #seq = 0;
  #settingsWritten = false;
  #timer: NodeJS.Timeout | undefined;
  #events: () => RolloutEventRecord[] = () => [];
  readonly #eventsWritten = new WeakSet<RolloutEventRecord>();
  #failed = false;
  #ended = false;
  #connections: (() => ConnectionRecording) | undefined;
  /** Connection events written so far (the log only appends, in time order). */
  #connectionEventsWritten = 0;

  constructor(sink: JournalSink, clock: Clock, opts: { wallNow?: () => number; onError?: (message: string) => void; secrets?: readonly string[] } = {}) {
    this.#secrets = opts.secrets ?? [];
    this.#sink = sink;
    this.#clock = clock;
    this.#wallNow = opts.wallNow ?? Date.now;
    this.#onError = opts.onError ?? (() => undefined);
  }

  /** Takes a delta from a recording (bound: pass it as LoadOptions.onDelta); written at the next flush. */
  readonly delta = (d: RecordingDelta): void => {
    if (this.#ended) return;
    this.#pending.add(d);
  };

  /** Writes the plan (made durable at once: it is the one record a rebuild cannot do without). */
  plan(body: Omit<PlanRecord, 'j' | 'seq' | 'wallMs' | 'tMs' | 'type' | 'format'>): void {
    this.#write({ type: 'plan', format: 'zerodrop-journal', ...redactRecord(body, this.#secrets) }, true);
  }

  /** The load started at `atMs`: writes the mark and flushes every `everyMs` from now on, polling `events` for new rollout events. */
  started(atMs: number, events: () => RolloutEventRecord[], everyMs = JOURNAL_FLUSH_MS): void {
    this.#events = events;
    this.mark('load-start', atMs);
    this.#timer ??= setInterval(() => this.flush(), everyMs);
    // The run's own awaits keep the process alive; a forgotten journal must not.
    this.#timer.unref();
  }

  /** A stream load's connections: from now on, each flush writes the events that arrived since the last. */
  connectionsFrom(read: () => ConnectionRecording): void {
    this.#connections = read;
  }

  /** Writes a mark now (after flushing, so the records stay in time order). */
  mark(name: MarkRecord['name'], atMs: number | undefined): void {
    if (atMs === undefined) return;
    this.flush();
    this.#write({ type: 'mark', name, atMs });
  }

  /** Writes the release's outcome. */
  trigger(trigger: TriggerRecord | null, rollout: RolloutResult | null, timedOut: boolean): void {
    this.flush();
    this.#write(redactRecord({ type: 'trigger' as const, trigger, rollout, timedOut }, this.#secrets));
  }

  /** Writes what arrived since the last flush: one counts record (a heartbeat when nothing did), histograms, new events. */
  flush(): void {
    if (this.#ended || this.#failed) return;
    const settings = this.#pending.settings;
    if (settings !== undefined && !this.#settingsWritten) {
      this.#settingsWritten = true;
      this.#write({ type: 'recorder', settings });
    }
    const s = this.#pending.take();
    const counts: JournalBody = { type: 'counts', rows: s.rows, statusCodes: s.statusCodes, errorCodes: s.errorCodes };
    if (s.pods !== undefined) counts.pods = s.pods;
    if (s.retried !== undefined) counts.retried = s.retried;
    if (s.goaways !== undefined) counts.goaways = s.goaways;
    let text = this.#line(counts);
    for (const h of s.histograms) text += this.#line({ type: 'histograms', source: h.source, histograms: h.histograms });
    for (const e of this.#events()) {
      if (this.#eventsWritten.has(e)) continue;
      this.#eventsWritten.add(e);
      text += this.#line({ type: 'event', event: redactRecord(e, this.#secrets) });
    }
    const c = this.#connections?.();
    if (c !== undefined) {
      const { events, resent, skipped, closedAtEnd, ...head } = c;
      const fresh = events.slice(this.#connectionEventsWritten);
      this.#connectionEventsWritten = events.length;
      // Pod names are no secrets, but the journal treats every text alike.
      text += this.#line({ type: 'connections', head, events: redactRecord(fresh, this.#secrets), resent, skipped, closedAtEnd });
    }
    // One write(2) per flush: a killed process leaves whole lines, or one torn last line.
    this.#append(text, false);
  }

  /** Writes the end record from the finished report, makes it durable and stops the journal. */
  end(report: Report, exitCode: number): void {
    if (this.#ended) return;
    this.flush();
    const body: JournalBody = {
      type: 'end',
      verdict: report.verdict,
      exitCode,
      aborted: report.aborted,
      reasons: report.reasons,
      totals: report.totals,
      generator: report.generator,
      meta: report.meta,
    };
    if (report.preflight !== undefined) body.preflight = report.preflight;
    if (report.agents !== undefined) body.agents = report.agents;
    if (report.rollback !== undefined) body.rollback = report.rollback;
    this.#write(redactRecord(body, this.#secrets), true);
    this.stop();
  }

  /** Stops flushing (the end record, or a run that never started its load). */
  stop(): void {
    this.#ended = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #line(body: JournalBody): string {
    const r = { j: JOURNAL_VERSION, seq: this.#seq++, wallMs: this.#wallNow(), tMs: this.#clock.nowMs(), ...body } as JournalRecord;
    return encodeJournalRecord(r);
  }

  #write(body: JournalBody, sync = false): void {
    if (this.#ended || this.#failed) return;
    this.#append(this.#line(body), sync);
  }

  #append(text: string, sync: boolean): void {
    try {
      this.#sink.write(text);
      if (sync) this.#sink.sync();
    } catch (err) {
      this.#failed = true;
      this.stop();
      this.#onError(`the run's journal could not be written, so a killed run could not be rebuilt: ${(err as Error).message}`);
    }
  }
}
