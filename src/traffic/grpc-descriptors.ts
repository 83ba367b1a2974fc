// The types of a gRPC service as server reflection gives them: FileDescriptorProtos, gathered
// until every file's imports are there, then one protobufjs Root, as a .proto file would give.
import protobuf from 'protobufjs';
// A CommonJS module: its exports come as the default import. Loading it also adds
// Root.fromDescriptor and toDescriptor to protobufjs.
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** One file of a descriptor set: its name, its imports, and the decoded FileDescriptorProto protobufjs builds types from. */
export interface DescriptorFile {
  name: string;
  dependency: string[];
  proto: protobuf.Message;
}

/** Decodes one serialized FileDescriptorProto (as reflection's file_descriptor_proto carries it). */
export function decodeDescriptorFile(bytes: Uint8Array): DescriptorFile {
  const proto = descriptor.FileDescriptorProto.decode(bytes);
  const { name, dependency } = proto as unknown as { name?: string; dependency?: string[] };
  return { name: name ?? '', dependency: [...(dependency ?? [])], proto };
}

/**
 * The imports of the files gathered so far that are not among them, in the order first named:
 * what reflection must still be asked for (file_by_filename). Well-known types protobufjs
 * carries itself (google/protobuf/*.proto) are left out: a server need not serve them.
 */
export function missingDependencies(files: ReadonlyMap<string, DescriptorFile>): string[] {
  const out: string[] = [];
  for (const f of files.values()) {
    for (const d of f.dependency) if (!files.has(d) && !out.includes(d) && wellKnown(d) === undefined) out.push(d);
  }
  return out;
}

/** The descriptor of a well-known file protobufjs knows (google/protobuf/timestamp.proto...), or undefined. */
function wellKnown(name: string): protobuf.Message | undefined {
  const json = protobuf.common.get(name) as protobuf.INamespace | null;
  if (json === null) return undefined;
  const set = protobuf.Root.fromJSON(json).toDescriptor('proto3') as unknown as { file: Array<protobuf.Message & { name: string }> };
  const file = set.file[0];
  if (file === undefined) return undefined;
  file.name = name;
  return file;
}

/**
 * One Root of every type the files declare (field names as declared, as a .proto loaded keepCase
 * gives them), with the well-known files they import and the server did not send. Throws (a
 * plain Error, which the caller words) when a type cannot be resolved, e.g. an import missing.
 */
export function rootOfDescriptors(files: ReadonlyMap<string, DescriptorFile>): protobuf.Root {
  const set: protobuf.Message[] = [...files.values()].map((f) => f.proto);
  const added = new Set<string>();
  for (const f of files.values()) {
    for (const d of f.dependency) {
      if (files.has(d) || added.has(d)) continue;
      const known = wellKnown(d);
      if (known !== undefined) {
        set.push(known);
        added.add(d);
      }
    }
  }
  const root = (protobuf.Root as unknown as { fromDescriptor(d: { file: protobuf.Message[] }): protobuf.Root }).fromDescriptor({ file: set });
  restoreMapFields(root);
  root.resolveAll();
  return root;
}

/**
 * protobufjs's fromDescriptor leaves a map field as the descriptor spells it, a repeated nested
 * `XEntry` message (and marks the parent map_entry): the wire is the same, but the request's JSON
 * gives a map as an object, so each such field becomes the MapField a .proto would give.
 */
function restoreMapFields(ns: protobuf.NamespaceBase): void {
  for (const o of [...ns.nestedArray]) {
    if (!(o instanceof protobuf.Namespace)) continue;
    if (o instanceof protobuf.Type) {
      const entries = new Set<protobuf.Type>();
      for (const f of [...o.fieldsArray]) {
        f.resolve();
        const entry = f.resolvedType;
        if (!f.repeated || !(entry instanceof protobuf.Type) || entry.parent !== o || entry.getOption('map_entry') !== true) continue;
        const key = entry.fields['key'];
        const value = entry.fields['value'];
        if (key === undefined || value === undefined) continue;
        value.resolve();
        o.remove(f);
        o.add(new protobuf.MapField(f.name, f.id, key.type, value.resolvedType === null ? value.type : value.resolvedType.fullName, f.options));
        entries.add(entry);
      }
      for (const e of entries) o.remove(e);
      if (entries.size > 0 && o.options !== undefined) delete o.options['map_entry'];
    }
    restoreMapFields(o);
  }
}
