import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { decodeK8sProtobuf } from '../../../../src/emulator/api/protobuf.js';

// A minimal protobuf writer, enough to build what kubectl's typed clients send.
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const num = (field: number, n: number | bigint): number[] => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, b: Buffer | number[]): number[] => [...varint((field << 3) | 2), ...varint(b.length), ...b];
const str = (field: number, s: string): number[] => bytes(field, Buffer.from(s));
const msg = (field: number, ...parts: number[][]): number[] => bytes(field, parts.flat());
const mapEntry = (field: number, k: string, v: number[]): number[] => msg(field, str(1, k), v);

function envelope(apiVersion: string, kind: string, raw: number[]): Buffer {
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, apiVersion), str(2, kind)), ...bytes(2, raw), ...str(3, ''), ...str(4, '')]);
}

const ZERO_TIME = msg(8, num(1, -62135596800n), num(2, 0));

describe('protobuf request bodies', () => {
  it('decodes a Namespace with labels and a zero creationTimestamp', () => {
    const raw = [...msg(1, str(1, 'team'), str(2, ''), ZERO_TIME, mapEntry(11, 'env', str(2, 'dev'))), ...msg(2), ...msg(3)];
    expect(decodeK8sProtobuf(envelope('v1', 'Namespace', raw))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { env: 'dev' } }, spec: {}, status: {} });
  });

  it('decodes Secret bytes as base64 and ConfigMap data as strings', () => {
    const secret = decodeK8sProtobuf(envelope('v1', 'Secret', [...msg(1, str(1, 's')), ...mapEntry(2, 'pw', bytes(2, Buffer.from('hunter2'))), ...str(3, 'Opaque')]));
    expect(secret).toMatchObject({ metadata: { name: 's' }, data: { pw: Buffer.from('hunter2').toString('base64') }, type: 'Opaque' });
    const cm = decodeK8sProtobuf(envelope('v1', 'ConfigMap', [...msg(1, str(1, 'c')), ...mapEntry(2, 'a', str(2, 'b'))]));
    expect(cm).toMatchObject({ data: { a: 'b' } });
  });

  it('decodes a Deployment: replicas 0 kept, zero scalars dropped, nested pod template', () => {
    const container = msg(2, str(1, 'app'), str(2, 'demo:1'), msg(6, num(3, 8080), num(2, 0), str(4, 'TCP')), num(16, 0));
    const template = msg(3, msg(1, ZERO_TIME, mapEntry(11, 'app', str(2, 'web'))), msg(2, container, str(3, 'Always')));
    const spec = msg(2, num(1, 0), msg(2, mapEntry(1, 'app', str(2, 'web'))), template, num(5, 0), num(7, 0));
    const d = decodeK8sProtobuf(envelope('apps/v1', 'Deployment', [...msg(1, str(1, 'web')), ...spec]));
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'demo:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }], restartPolicy: 'Always' } },
      },
    });
  });

  it('decodes IntOrString as a number or a string', () => {
    const port = (target: number[]): number[] => msg(1, num(3, 80), msg(4, ...[target]));
    const svcInt = decodeK8sProtobuf(envelope('v1', 'Service', [...msg(1, str(1, 'a')), ...msg(2, port([...num(1, 0), ...num(2, 8080)]))]));
    expect(svcInt.spec.ports[0]).toEqual({ port: 80, targetPort: 8080 });
    const svcStr = decodeK8sProtobuf(envelope('v1', 'Service', [...msg(1, str(1, 'a')), ...msg(2, port([...num(1, 1), ...str(3, 'http')]))]));
    expect(svcStr.spec.ports[0]).toEqual({ port: 80, targetPort: 'http' });
  });

  it('rejects bodies without the prefix (400) and kinds it does not know (415)', () => {
    const code = (b: Buffer): number | undefined => {
      try {
        decodeK8sProtobuf(b);
      } catch (err) {
        return err instanceof ApiError ? err.code : -1;
      }
      return undefined;
    };
    expect(code(Buffer.from('{"kind":"Pod"}'))).toBe(400);
    expect(code(envelope('rbac.authorization.k8s.io/v1', 'Role', []))).toBe(415);
  });
});
