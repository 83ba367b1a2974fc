import { grpcStatusKey, isGrpcStatus } from './grpc-status.js';

const STATUS_MIN = 100;
const STATUS_MAX = 599;

function bump(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

/**
 * Counts per HTTP status (a typed-array slot per standard code, a map for any other) and per
 * error code of requests that ended without an HTTP answer. gRPC statuses (grpc-status.ts) are
 * counted by name ("OK", "UNAVAILABLE").
 */
export class CodeCounts {
  #status = new Float64Array(STATUS_MAX - STATUS_MIN + 1);
  #otherStatus = new Map<string, number>();
  #errorCodes = new Map<string, number>();

  /** Counts one request's answer: `status` 0 is none; `errorCode` is counted if given. */
  add(status: number, errorCode: string | undefined): void {
    if (status !== 0) {
      if (status >= STATUS_MIN && status <= STATUS_MAX) this.#status[status - STATUS_MIN]! += 1;
      // gRPC statuses are kept by name, as reports and their decoders key them.
      else if (isGrpcStatus(status)) bump(this.#otherStatus, grpcStatusKey(status), 1);
      else bump(this.#otherStatus, String(status), 1);
    }
    if (errorCode !== undefined) bump(this.#errorCodes, errorCode, 1);
  }

  /** Adds `count` answers of status `key` (a decoded "503", or any other key kept as it is). */
  addStatus(key: string, count: number): void {
    const s = Number(key);
    if (Number.isInteger(s) && s >= STATUS_MIN && s <= STATUS_MAX) this.#status[s - STATUS_MIN]! += count;
    else bump(this.#otherStatus, key, count);
  }

  /** Adds `count` requests that ended with error code `code`. */
  addError(code: string, count: number): void {
    bump(this.#errorCodes, code, count);
  }

  /** Counts per HTTP status, e.g. {"200": 9990, "503": 10}. */
  statusCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.#status.length; i++) {
      const v = this.#status[i]!;
      if (v > 0) out[String(i + STATUS_MIN)] = v;
    }
    for (const k of [...this.#otherStatus.keys()].sort()) out[k] = this.#otherStatus.get(k)!;
    return out;
  }

  /** Counts per error code, keys sorted. */
  errorCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.#errorCodes.keys()].sort()) out[k] = this.#errorCodes.get(k)!;
    return out;
  }

  /** Adds everything `other` counted into these. */
  merge(other: CodeCounts): void {
    for (let i = 0; i < this.#status.length; i++) this.#status[i]! += other.#status[i]!;
    for (const [k, v] of other.#otherStatus) bump(this.#otherStatus, k, v);
    for (const [k, v] of other.#errorCodes) bump(this.#errorCodes, k, v);
  }
}
