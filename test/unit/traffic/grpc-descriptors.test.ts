import * as loader from '@grpc/proto-loader';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { decodeDescriptorFile, missingDependencies, rootOfDescriptors, type DescriptorFile } from '../../../src/traffic/grpc-descriptors.js';
import { encodeGrpcCall, prepareGrpcCall } from '../../../src/traffic/grpc-message.js';
import { DEMO_PROTO, INVENTORY_DIR } from '../../fixtures/grpc-server.js';

/** A descriptor file with only a name and imports: what missingDependencies reads. */
const file = (name: string, dependency: string[] = []): DescriptorFile => ({ name, dependency, proto: descriptor.FileDescriptorProto.create({ name, dependency }) });
const filesOf = (list: DescriptorFile[]): Map<string, DescriptorFile> => new Map(list.map((f) => [f.name, f]));

/** The files a grpc-js server's reflection sends for a .proto: proto-loader's descriptors, serialized. */
function servedFiles(protoFile: string, includeDirs: string[] = []): Map<string, DescriptorFile> {
  const def = loader.loadSync(protoFile, { keepCase: true, includeDirs });
  const bytes = Object.values(def).flatMap((d) => ('fileDescriptorProtos' in d ? (d.fileDescriptorProtos as Buffer[]) : []));
  return filesOf(bytes.map((b) => decodeDescriptorFile(b)));
}

describe('descriptor files from reflection', () => {
  it.each([
    ['one file, no imports', [file('a.proto')], []],
    ['an import not yet sent', [file('a.proto', ['b.proto'])], ['b.proto']],
    ['imports of imports, each named once, in order', [file('a.proto', ['b.proto', 'c.proto']), file('b.proto', ['c.proto', 'd.proto'])], ['c.proto', 'd.proto']],
    ['everything sent', [file('a.proto', ['b.proto']), file('b.proto')], []],
    ['a cycle', [file('a.proto', ['b.proto']), file('b.proto', ['a.proto'])], []],
    ['well-known types protobufjs carries are not asked for', [file('a.proto', ['google/protobuf/timestamp.proto', 'google/protobuf/empty.proto'])], []],
    ['other google files are', [file('a.proto', ['google/api/annotations.proto'])], ['google/api/annotations.proto']],
  ])('%s', (_name, files, missing) => {
    expect(missingDependencies(filesOf(files))).toEqual(missing);
  });

  it.each([
    ['the demo service', DEMO_PROTO, [], 'zerodrop.demo.Greeter/SayHello', { name: 'zd', delay_ms: 7 }],
    [
      'a request across files and packages: enum, repeated, map, nested message, well-known type',
      join(INVENTORY_DIR, 'inventory.proto'),
      [INVENTORY_DIR],
      'zerodrop.inventory.Inventory/Reserve',
      { sku: 'b-1', counts: [1, 2, 300], kind: 'KIND_BOOK', labels: { a: 'x', b: 'y' }, at: { seconds: 5, nanos: 6 }, size: { width_cm: 2.5 } },
    ],
  ])('%s: the reflected types encode the very bytes the .proto does', (_name, protoFile, includeDirs, method, message) => {
    const root = rootOfDescriptors(servedFiles(protoFile, includeDirs));
    const reflected = encodeGrpcCall(root, 'reflection', { method, message });
    const fromProto = prepareGrpcCall({ protoFile, method, message });
    expect(reflected.path).toBe(fromProto.path);
    expect([...reflected.frame]).toEqual([...fromProto.frame]);
  });

  it('gives the map field back as a map (an object in the JSON), not the repeated entries the descriptor spells', () => {
    const root = rootOfDescriptors(servedFiles(join(INVENTORY_DIR, 'inventory.proto'), [INVENTORY_DIR]));
    const item = root.lookupType('zerodrop.common.Item');
    expect(item.fields['labels']!.map).toBe(true);
    expect(item.nestedArray.map((n) => n.name)).toEqual([]);
    expect(item.options?.['map_entry']).toBeUndefined();
  });

  it('refuses types that do not resolve: an import the server did not send', () => {
    const files = servedFiles(join(INVENTORY_DIR, 'inventory.proto'), [INVENTORY_DIR]);
    const common = [...files.keys()].find((n) => n.includes('common'))!;
    files.delete(common);
    expect(() => rootOfDescriptors(files)).toThrow(/no such type/);
  });

  it.each([
    ['zerodrop.inventory.Inventory/Reserve', { kind: 'KIND_CD' }, 'grpc.message: does not fit zerodrop.common.Item: kind: no value KIND_CD in zerodrop.common.Kind (values: KIND_UNSPECIFIED, KIND_BOOK)'],
    ['zerodrop.inventory.Inventory/Nope', {}, 'grpc.method: service zerodrop.inventory.Inventory has no method Nope (methods: Reserve, Watch)'],
    ['zerodrop.inventory.Inventory/Watch', {}, 'grpc.method: zerodrop.inventory.Inventory/Watch is a streaming method; only unary calls are load-tested'],
    ['zerodrop.inventory.Inventory/Reserve', { skew: 1 }, 'grpc.message: does not fit zerodrop.common.Item: no field "skew" (fields: sku, counts, kind, at, size, labels)'],
  ])('refuses %s with %o on reflected types: %s', (method, message, problem) => {
    const root = rootOfDescriptors(servedFiles(join(INVENTORY_DIR, 'inventory.proto'), [INVENTORY_DIR]));
    let problems: string[] = [];
    try {
      encodeGrpcCall(root, "the server's reflection", { method, message });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      problems = err.problems.map((p) => `${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([problem]);
  });
});
