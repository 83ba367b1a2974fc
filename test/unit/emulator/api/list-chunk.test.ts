import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';

function cm(name: string, data: string, labels: Record<string, string> = { app: 'web' }, namespace = 'default'): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { v: data } };
}

function errorOf(fn: () => unknown): { code: number; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

const names = (items: KObject[]): string[] => items.map((o) => `${o.metadata.name}=${String((o['data'] as { v: string }).v)}`);

describe('MemoryStore.listChunk: lists at a resourceVersion, in pages', () => {
  it('rebuilds the objects as they were at an older version: created, changed and deleted since', () => {
    const s = new MemoryStore();
    const a = s.create('configmaps', cm('a', '1'));
    const b = s.create('configmaps', cm('b', '1'));
    const at = s.currentResourceVersion();
    s.create('configmaps', cm('c', '1')); // created after: absent at `at`
    s.update('configmaps', { ...b, data: { v: '2' } }); // changed after: old data at `at`
    s.delete('configmaps', 'default', 'a'); // deleted after: present at `at`
    const then = s.listChunk('configmaps', 'default', { at });
    expect(then.resourceVersion).toBe(String(at));
    expect(names(then.items)).toEqual(['a=1', 'b=1']);
    expect(then.items.map((o) => o.metadata.resourceVersion)).toEqual([a.metadata.resourceVersion, b.metadata.resourceVersion]);
    expect(names(s.listChunk('configmaps', 'default').items)).toEqual(['b=2', 'c=1']);
  });

  it.each<[string, number | undefined, string[][]]>([
    ['pages of 2', 2, [['p0', 'p1'], ['p2', 'p3'], ['p4']]],
    ['pages of 5', 5, [['p0', 'p1', 'p2', 'p3', 'p4']]],
    ['pages of 10', 10, [['p0', 'p1', 'p2', 'p3', 'p4']]],
    ['no limit', undefined, [['p0', 'p1', 'p2', 'p3', 'p4']]],
  ])('%s, each page from where the last stopped, counting what is left', (_n, limit, pages) => {
    const s = new MemoryStore();
    for (let i = 0; i < 5; i++) s.create('configmaps', cm(`p${i}`, '1'));
    const got: string[][] = [];
    const remaining: Array<number | undefined> = [];
    let start: string | undefined;
    do {
      const page = s.listChunk('configmaps', 'default', { ...(limit === undefined ? {} : { limit }), ...(start === undefined ? {} : { start }) });
      got.push(page.items.map((o) => o.metadata.name ?? ''));
      remaining.push(page.remaining);
      start = page.next;
    } while (start !== undefined);
    expect(got).toEqual(pages);
    expect(remaining).toEqual(pages.map((_, i) => (i === pages.length - 1 ? undefined : pages.slice(i + 1).flat().length)));
  });

  it('keeps a paged list consistent while objects change between pages', () => {
    const s = new MemoryStore();
    for (let i = 0; i < 4; i++) s.create('configmaps', cm(`p${i}`, '1'));
    const first = s.listChunk('configmaps', 'default', { limit: 2 });
    s.delete('configmaps', 'default', 'p3');
    s.create('configmaps', cm('p2a', '1'));
    const second = s.listChunk('configmaps', 'default', { limit: 2, at: Number(first.resourceVersion), ...(first.next === undefined ? {} : { start: first.next }) });
    expect(names([...first.items, ...second.items])).toEqual(['p0=1', 'p1=1', 'p2=1', 'p3=1']);
    expect(second.next).toBeUndefined();
  });

  it('counts the limit in objects that pass the selectors and namespace', () => {
    const s = new MemoryStore();
    s.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    s.create('configmaps', cm('a', '1', { app: 'web' }));
    s.create('configmaps', cm('b', '1', { app: 'api' }));
    s.create('configmaps', cm('c', '1', { app: 'web' }, 'other'));
    s.create('configmaps', cm('d', '1', { app: 'web' }));
    const page = s.listChunk('configmaps', 'default', { labelSelector: 'app=web', limit: 1 });
    expect(names(page.items)).toEqual(['a=1']);
    expect(page.remaining).toBeUndefined(); // not counted with a selector, as upstream
    const rest = s.listChunk('configmaps', 'default', { labelSelector: 'app=web', limit: 1, ...(page.next === undefined ? {} : { start: page.next }) });
    expect(names(rest.items)).toEqual(['d=1']);
  });

  it('410 for a version the history no longer reaches, 504 for one not reached yet', () => {
    const s = new MemoryStore({ historySize: 2 });
    const old = s.currentResourceVersion();
    for (let i = 0; i < 4; i++) s.create('configmaps', cm(`p${i}`, '1'));
    expect(errorOf(() => s.listChunk('configmaps', 'default', { at: old }))).toEqual({ code: 410, message: 'The resourceVersion for the provided list is too old.' });
    const now = s.currentResourceVersion();
    expect(errorOf(() => s.listChunk('configmaps', 'default', { at: now + 5 }))).toEqual({ code: 504, message: `Timeout: Too large resource version: ${now + 5}, current: ${now}` });
    expect(names(s.listChunk('configmaps', 'default', { at: now - 1 }).items)).toEqual(['p0=1', 'p1=1', 'p2=1']);
  });
});
