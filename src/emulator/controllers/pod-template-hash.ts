/*
 * The pod-template hash that names a Deployment's ReplicaSets and labels their pods, and template
 * equality ignoring it (upstream controller.ComputeHash, EqualIgnoreHash); the code is our own.
 */

/** The label the Deployment controller puts on a ReplicaSet, its selector and its pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Maps each character to the vowel-free alphabet upstream uses for generated names (no bad
 * words, no look-alike characters), as apimachinery's rand.SafeEncodeString.
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length] ?? 'b';
  return out;
}

/** JSON with object keys sorted, so that equal objects give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** A pod template without the pod-template-hash label, and with empty maps/lists pruned. */
export function normalizeTemplate(template: unknown): unknown {
  const copy = prune(template) ?? {};
  if (isRecord(copy)) {
    const meta = copy['metadata'];
    if (isRecord(meta)) {
      const labels = meta['labels'];
      if (isRecord(labels)) {
        delete labels[POD_TEMPLATE_HASH_LABEL];
        if (Object.keys(labels).length === 0) delete meta['labels'];
      }
      if (Object.keys(meta).length === 0) delete copy['metadata'];
    }
  }
  return copy;
}

/**
 * The pod-template hash: FNV-32a over the template (hash label excluded) and the collision count
 * as 4 little-endian bytes, printed in decimal and safe-encoded, as upstream ComputeHash.
 */
export function computeTemplateHash(template: unknown, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(normalizeTemplate(template)));
  let h = fnv32a(bytes);
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = new Uint8Array(4);
    new DataView(c.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(c, h);
  }
  return safeEncodeString(String(h));
}

/**
 * Template equality ignoring the pod-template-hash label; like apimachinery's semantic equality,
 * an empty map or list equals an absent one.
 */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  return canonicalJson(normalizeTemplate(a)) === canonicalJson(normalizeTemplate(b));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep copy without undefined/null values and without empty objects or arrays. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => prune(x) ?? null);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p === undefined) continue;
      out[k] = p;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}
