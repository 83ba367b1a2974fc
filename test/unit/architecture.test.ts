import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The dependency rules of shared/DESIGN.md, checked on the import lines of src/ (type imports
// included): data flows scenario -> traffic + rollout -> analysis -> report model -> renderers.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Folder-level cycles known and allowed for now; each names the work that removes it. */
const ALLOWED_FOLDER_CYCLES = new Set<string>([]);

/** Folders (under src/) that must not import a folder, and why. */
const FORBIDDEN: Array<{ from: string[]; to: string; why: string }> = [
  { from: ['analysis', 'rollout', 'traffic', 'metrics', 'cluster', 'scenario'], to: 'report', why: 'producers define their own output types; the report model imports them' },
  { from: ['report'], to: 'runner', why: 'the report model and renderers sit below the runner' },
  { from: ['report'], to: 'cli', why: 'the report model and renderers sit below the CLI' },
  {
    from: ['analysis', 'rollout', 'traffic', 'metrics', 'scenario', 'report', 'streams', 'conventions'],
    to: 'emulator',
    why: 'the tool works against any cluster and the emulator is one of them: what both must know of a real controller (annotations, labels) lives in conventions/',
  },
  { from: ['conventions'], to: 'cluster', why: 'conventions are plain data about Kubernetes and its controllers, read by the emulator and the tool alike' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

// `import ... from '...'`, `import '...'`, `export ... from '...'`, over several lines too.
const IMPORT = /^\s*(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?\s*['"]([^'"]+)['"]/gm;
// `await import('./x.js')` and `typeof import('./x.js')`: a lazy import is a dependency all the same.
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The src/ files a file imports (relative specifiers only), as paths relative to src/. */
function importsOf(text: string, file: string): string[] {
  const out: string[] = [];
  for (const m of [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) {
    const spec = m[1] ?? '';
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    out.push(relative(SRC, target).split(sep).join('/'));
  }
  return [...new Set(out)];
}

/** The top folder of a src/-relative path (`report` for report/html/page.ts); a top-level file stands for itself (`errors.ts`). */
const folderOf = (p: string): string => p.split('/')[0] ?? p;

/** Every elementary cycle's first-found representative in a directed graph (DFS back edges). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const s = state.get(m);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

const files = sourceFiles(SRC);
const graph = new Map<string, string[]>();
for (const f of files) {
  const rel = relative(SRC, f).split(sep).join('/');
  graph.set(rel, importsOf(readFileSync(f, 'utf8'), f));
}

describe('import graph of src/', () => {
  it('finds the imports it checks', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('report/model.ts')).toContain('metrics/outcome.ts');
  });

  it.each([
    ["import { a } from './a.js';", ['report/a.ts']],
    ["import type { B } from '../b/b.js';", ['b/b.ts']],
    ["import {\n  a,\n  type C,\n} from './c.js';", ['report/c.ts']],
    ["export * from './model.js';\nexport { x } from '../x.js';", ['report/model.ts', 'x.ts']],
    ["import './side.js';", ['report/side.ts']],
    ["const { f } = await import('./lazy.js');", ['report/lazy.ts']],
    ["import { z } from 'node:fs';", []],
    ["const s = 'import nothing from here';", []],
  ])('reads the imports of %j', (text, want) => {
    expect(importsOf(text, join(SRC, 'report', 'file.ts'))).toEqual(want);
  });

  it('resolves every relative import to a source file', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no file-level import cycle (type imports included)', () => {
    const cycles = findCycles(graph).filter((c) => !allowedCycle(c));
    expect(cycles.map((c) => c.join(' -> '))).toEqual([]);
  });

  it.each(FORBIDDEN)('no import from $from to $to ($why)', ({ from, to }) => {
    const bad = [...graph].flatMap(([f, deps]) => (from.includes(folderOf(f)) ? deps.filter((d) => folderOf(d) === to).map((d) => `${f} -> ${d}`) : []));
    expect(bad).toEqual([]);
  });

  it('nothing but src/cli imports src/cli', () => {
    const bad = [...graph].flatMap(([f, deps]) => (folderOf(f) === 'cli' ? [] : deps.filter((d) => folderOf(d) === 'cli').map((d) => `${f} -> ${d}`)));
    expect(bad).toEqual([]);
  });

  it('has no folder-level cycle but the allowed ones', () => {
    const folders = new Map<string, string[]>();
    for (const [f, deps] of graph) {
      const from = folderOf(f);
      const set = new Set(folders.get(from) ?? []);
      for (const d of deps) if (folderOf(d) !== from) set.add(folderOf(d));
      folders.set(from, [...set]);
    }
    const pairs = new Set<string>();
    for (const [a, deps] of folders) for (const b of deps) if (a < b && (folders.get(b) ?? []).includes(a)) pairs.add(`${a}<->${b}`);
    const longer = findCycles(folders).filter((c) => c.length > 3);
    expect({ pairs: [...pairs].filter((p) => !ALLOWED_FOLDER_CYCLES.has(p)), longer: longer.map((c) => c.join(' -> ')) }).toEqual({ pairs: [], longer: [] });
  });
});

/** A file cycle is allowed when it only goes around an allowed folder cycle. */
function allowedCycle(cycle: string[]): boolean {
  const folders = new Set(cycle.map(folderOf));
  return [...ALLOWED_FOLDER_CYCLES].some((pair) => {
    const allowed = new Set(pair.split('<->'));
    return [...folders].every((f) => allowed.has(f)) && folders.size === allowed.size;
  });
}
