import { ApiError } from './api-error.js';
import { PROTO_MESSAGES } from './proto-schema.js';
import type { KObject } from './store-types.js';

/** The Content-Type of Kubernetes' protobuf encoding. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"
const GO_ZERO_TIME_SECONDS = -62135596800;

const PACKAGE_OF_API_VERSION: Record<string, string> = {
  v1: 'core',
  'apps/v1': 'apps',
  'batch/v1': 'batch',
  'discovery.k8s.io/v1': 'discovery',
  'policy/v1': 'policy',
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw bad('truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw bad('varint too long');
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw bad('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed(n: 4 | 8): Buffer {
    if (this.pos + n > this.buf.length) throw bad('truncated fixed field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.fixed(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.fixed(4);
    else throw bad(`unsupported wire type ${wireType}`);
  }
}

function bad(message: string): ApiError {
  return new ApiError(400, 'BadRequest', `error decoding protobuf body: ${message}`);
}

function scalarFromVarint(type: string, v: bigint): unknown {
  switch (type) {
    case 'bool':
      return v !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, v));
    case 'uint32':
      return Number(BigInt.asUintN(32, v));
    case 'sint32':
    case 'sint64':
      return Number((v >> 1n) ^ -(v & 1n));
    case 'uint64':
      return Number(BigInt.asUintN(64, v));
    default:
      return Number(BigInt.asIntN(64, v));
  }
}

/** Pointer fields of the served types where an explicit 0 or false differs from unset. */
const ZERO_MEANINGFUL = new Set([
  'replicas',
  'terminationGracePeriodSeconds',
  'progressDeadlineSeconds',
  'revisionHistoryLimit',
  'backoffLimit',
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'automountServiceAccountToken',
  'enableServiceLinks',
  'allowPrivilegeEscalation',
  'runAsNonRoot',
  'runAsUser',
  'runAsGroup',
  'readOnlyRootFilesystem',
  'privileged',
  'allowVolumeExpansion',
  'suspend',
  'ready',
  'serving',
  'terminating',
  'gracePeriodSeconds',
  'immutable',
  'optional',
  'defaultMode',
  'mode',
]);

const NUMERIC = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'double', 'float', 'fixed32', 'fixed64']);

/** One value of a scalar or message type from its wire representation. */
function readValue(r: Reader, type: string, wireType: number): unknown {
  if (wireType === 0) return scalarFromVarint(type, r.varint());
  if (wireType === 1) {
    const b = r.fixed(8);
    return type === 'double' ? b.readDoubleLE(0) : Number(b.readBigInt64LE(0));
  }
  if (wireType === 5) {
    const b = r.fixed(4);
    return type === 'float' ? b.readFloatLE(0) : b.readInt32LE(0);
  }
  if (wireType !== 2) throw bad(`unsupported wire type ${wireType}`);
  const data = r.bytes();
  if (type === 'string') return data.toString('utf8');
  if (type === 'bytes') return data.toString('base64');
  return decodeMessage(data, type);
}

function decodeSpecial(buf: Buffer, type: string): unknown {
  const r = new Reader(buf);
  const fields = new Map<number, unknown>();
  while (!r.done()) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wt = tag & 7;
    if (wt === 2) fields.set(num, r.bytes());
    else if (wt === 0) fields.set(num, r.varint());
    else r.skip(wt);
  }
  const str = (n: number): string | undefined => {
    const v = fields.get(n);
    return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  };
  const num = (n: number): number => {
    const v = fields.get(n);
    return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : 0;
  };
  switch (type) {
    case 'meta.Time':
    case 'meta.MicroTime': {
      const seconds = num(1);
      if (seconds === GO_ZERO_TIME_SECONDS || !fields.has(1)) return undefined;
      const iso = new Date(seconds * 1000 + Math.floor(num(2) / 1e6)).toISOString();
      return type === 'meta.Time' ? iso.replace(/\.\d{3}Z$/, 'Z') : iso.replace(/Z$/, '000Z');
    }
    case 'meta.Duration':
      return `${num(1) / 1e9}s`;
    case 'intstr.IntOrString':
      return num(1) === 1 ? (str(3) ?? '') : Number(BigInt.asIntN(32, BigInt(num(2))));
    case 'resource.Quantity':
      return str(1) ?? '0';
    case 'runtime.RawExtension':
    case 'meta.FieldsV1': {
      const raw = str(1);
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    }
    default:
      return undefined;
  }
}

/** Decodes one message of a known type into the JSON shape the API uses. */
function decodeMessage(buf: Buffer, type: string): unknown {
  const schema = PROTO_MESSAGES[type];
  if (schema === undefined) return decodeSpecial(buf, type);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wt = tag & 7;
    const f = schema[num];
    if (f === undefined) {
      r.skip(wt);
      continue;
    }
    const [name, ftype] = f;
    const repeated = f.length === 3;
    if (ftype.startsWith('map:')) {
      const valueType = ftype.slice(4);
      const entry = new Reader(r.bytes());
      let k = '';
      let v: unknown = valueType === 'string' ? '' : undefined;
      while (!entry.done()) {
        const et = Number(entry.varint());
        if (et >>> 3 === 1) k = entry.bytes().toString('utf8');
        else if (et >>> 3 === 2) v = readValue(entry, valueType, et & 7);
        else entry.skip(et & 7);
      }
      const m = (out[name] ??= {}) as Record<string, unknown>;
      m[k] = v ?? (valueType === 'bytes' ? '' : {});
      continue;
    }
    if (repeated) {
      const list = (out[name] ??= []) as unknown[];
      if (wt === 2 && NUMERIC.has(ftype)) {
        const packed = new Reader(r.bytes());
        const inner = ftype === 'double' || ftype === 'fixed64' ? 1 : ftype === 'float' || ftype === 'fixed32' ? 5 : 0;
        while (!packed.done()) list.push(readValue(packed, ftype, inner));
      } else list.push(readValue(r, ftype, wt));
      continue;
    }
    const v = readValue(r, ftype, wt);
    // Go writes every non-pointer scalar, even a zero one, where JSON's omitempty would not; keep
    // zeros only for the optional (pointer) fields where an explicit 0 or false means something.
    if (v === undefined || v === '' || ((v === 0 || v === false) && !ZERO_MEANINGFUL.has(name))) delete out[name];
    else out[name] = v;
  }
  return out;
}

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown wrapping the object) of the
 * served built-in types into the object's JSON form. Throws ApiError 415 for other kinds, 400 for
 * malformed bodies.
 */
export function decodeK8sProtobuf(body: Buffer): KObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw bad('missing the k8s protobuf prefix');
  const envelope = decodeMessage(body.subarray(4), 'runtime.Unknown') as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string };
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const pkg = kind === 'DeleteOptions' ? 'meta' : PACKAGE_OF_API_VERSION[apiVersion];
  const type = pkg === undefined ? undefined : `${pkg}.${kind}`;
  if (type === undefined || PROTO_MESSAGES[type] === undefined) {
    throw new ApiError(415, 'UnsupportedMediaType', `the emulator cannot decode protobuf for ${apiVersion}/${kind}; send application/json`);
  }
  const obj = decodeMessage(Buffer.from(envelope.raw ?? '', 'base64'), type) as KObject;
  return { ...obj, apiVersion, kind, metadata: obj.metadata ?? {} };
}
