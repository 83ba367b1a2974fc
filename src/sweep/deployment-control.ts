/** Puts a spec on the Deployment and waits until the rollout it causes is over and the old pods are gone. */
import type { Cluster } from '../cluster/cluster.js';
import { selectorToString } from '../labels/label-selector.js';
import { CouldNotRunError } from '../errors.js';
import { rolloutStatus } from '../rollout/rollout-status.js';
import { sameSpec, specOf, type SpecJson } from './case-spec.js';

/** Where the Deployment is. */
export interface DeploymentRef {
  cluster: Cluster;
  name: string;
  namespace: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Replaces the Deployment's spec with `spec` (one JSON Patch `replace /spec`, so fields the spec
 * leaves out are removed too). Returns false without a call when the spec is already that.
 */
export async function putSpec(ref: DeploymentRef, spec: SpecJson): Promise<boolean> {
  const current = await ref.cluster.getDeployment(ref.name, ref.namespace);
  if (sameSpec(specOf(current), spec)) return false;
  await ref.cluster.patchDeployment(ref.name, [{ op: 'replace', path: '/spec', value: spec }], 'json', ref.namespace);
  return true;
}

/** How long to wait and when to give up. */
export interface SettleOptions {
  timeoutMs: number;
  /** Pause after the rollout is complete and no pod is terminating; 0 for none. */
  settleMs: number;
  signal: AbortSignal;
  /** Also wait until no pod of the Deployment is terminating (default true). */
  waitTerminating?: boolean;
}

/**
 * Waits until the Deployment has rolled out (kubectl rollout status's rules), then until none of
 * its pods is terminating, then `settleMs` more for proxies to follow. Throws CouldNotRunError on a
 * failed rollout (progress deadline) or at the timeout; returns early when the signal aborts.
 */
export async function waitSettled(ref: DeploymentRef, opts: SettleOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const late = (what: string): CouldNotRunError =>
    new CouldNotRunError('E_SWEEP_NOT_SETTLED', `deployment/${ref.name} did not settle within ${Math.round(opts.timeoutMs / 1000)} s: ${what}`, {
      hint: 'check the pods (kubectl describe pods); raise kubernetes.rolloutTimeout if the rollout is just slow',
    });
  let selector = '';
  for (;;) {
    if (opts.signal.aborted) return;
    const d = await ref.cluster.getDeployment(ref.name, ref.namespace);
    const status = rolloutStatus(d);
    if (status.failed) throw new CouldNotRunError('E_SWEEP_ROLLOUT_FAILED', `deployment/${ref.name} did not roll out with the case's settings: ${status.message}`, { hint: 'kubectl describe deployment shows its conditions' });
    if (status.done) {
      selector = selectorToString(d.spec?.selector);
      break;
    }
    if (Date.now() > deadline) throw late(status.message);
    await sleep(200, opts.signal);
  }
  if (opts.waitTerminating !== false) {
    for (;;) {
      if (opts.signal.aborted) return;
      const pods = await ref.cluster.listPods(selector, ref.namespace);
      const terminating = pods.filter((p) => p.metadata?.deletionTimestamp !== undefined && p.metadata?.deletionTimestamp !== null);
      if (terminating.length === 0) break;
      if (Date.now() > deadline) throw late(`${terminating.length} pod${terminating.length === 1 ? ' is' : 's are'} still terminating`);
      await sleep(200, opts.signal);
    }
  }
  await sleep(opts.settleMs, opts.signal);
}
