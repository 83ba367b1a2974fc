import { readFileSync } from 'node:fs';
import type { KObject, Store } from '../../../../src/emulator/api/store-types.js';

/** Polls until `f` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, f: () => T | undefined | false | null, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A pod bound to `node`, running one container. */
export function podManifest(name: string, node: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'zerodrop/demo-app:v1', ports: [{ name: 'http', containerPort: 8080 }], ...container }], ...spec },
  };
}

/** The pod's condition status, or undefined. */
export function condition(pod: KObject | undefined, type: string): string | undefined {
  return (pod?.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === type)?.status;
}

/** True when the process (or, with a negative id, the process group) is alive. */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid === 0) throw new Error(`not a pid: ${pid}`);
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie is dead, only not yet reaped.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${Math.abs(pid)}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The pid the demo app logged at start, once it has. */
export function appPid(logText: string | undefined): number | undefined {
  const m = /starting pid=(\d+)/.exec(logText ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Gets a pod from the store. */
export function getPod(store: Store, name: string): KObject | undefined {
  return store.get('pods', 'default', name);
}
