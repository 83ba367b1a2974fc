import type { KObject } from './store-types.js';

/* Server-side defaulting, as the real API server applies it on every create and update, so that
 * controllers hash and compare the same pod templates a real cluster would hold. */

type Json = Record<string, any>;

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  p['timeoutSeconds'] ??= 1;
  p['periodSeconds'] ??= 10;
  p['successThreshold'] ??= 1;
  p['failureThreshold'] ??= 3;
  if (isObj(p['httpGet'])) p['httpGet']['scheme'] ??= 'HTTP';
}

function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  if (c['imagePullPolicy'] === undefined && typeof c['image'] === 'string') {
    const image: string = c['image'];
    const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
    c['imagePullPolicy'] = tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c['resources'] ??= {};
  if (Array.isArray(c['ports'])) for (const p of c['ports']) if (isObj(p)) p['protocol'] ??= 'TCP';
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['startupProbe']);
}

/** Defaults a PodSpec in place (restartPolicy, grace period, container fields, probe timings). */
export function defaultPodSpec(spec: unknown, restartPolicy = 'Always'): void {
  if (!isObj(spec)) return;
  spec['restartPolicy'] ??= restartPolicy;
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['schedulerName'] ??= 'default-scheduler';
  spec['securityContext'] ??= {};
  if (Array.isArray(spec['containers'])) spec['containers'].forEach(defaultContainer);
  if (Array.isArray(spec['initContainers'])) spec['initContainers'].forEach(defaultContainer);
}

function defaultTemplate(spec: Json, restartPolicy?: string): void {
  if (isObj(spec['template'])) {
    spec['template']['metadata'] ??= {};
    defaultPodSpec(spec['template']['spec'], restartPolicy);
  }
}

/** Applies the API server's defaults for the resource, in place. */
export function applyDefaults(resource: string, obj: KObject): void {
  const spec: unknown = obj.spec;
  switch (resource) {
    case 'pods':
      defaultPodSpec(spec);
      obj.status ??= {};
      if (isObj(obj.status)) obj.status['phase'] ??= 'Pending';
      break;
    case 'deployments':
      if (!isObj(spec)) return;
      spec['replicas'] ??= 1;
      spec['revisionHistoryLimit'] ??= 10;
      spec['progressDeadlineSeconds'] ??= 600;
      spec['strategy'] ??= {};
      if (isObj(spec['strategy'])) {
        spec['strategy']['type'] ??= 'RollingUpdate';
        if (spec['strategy']['type'] === 'RollingUpdate') {
          spec['strategy']['rollingUpdate'] ??= {};
          const ru: unknown = spec['strategy']['rollingUpdate'];
          if (isObj(ru)) {
            ru['maxSurge'] ??= '25%';
            ru['maxUnavailable'] ??= '25%';
          }
        }
      }
      defaultTemplate(spec);
      break;
    case 'replicasets':
      if (!isObj(spec)) return;
      spec['replicas'] ??= 1;
      defaultTemplate(spec);
      break;
    case 'jobs':
      if (!isObj(spec)) return;
      spec['parallelism'] ??= 1;
      spec['completions'] ??= 1;
      spec['backoffLimit'] ??= 6;
      defaultTemplate(spec, 'Never');
      break;
    case 'services':
      if (!isObj(spec)) return;
      spec['type'] ??= 'ClusterIP';
      spec['sessionAffinity'] ??= 'None';
      spec['internalTrafficPolicy'] ??= 'Cluster';
      if (Array.isArray(spec['ports'])) {
        for (const p of spec['ports']) {
          if (!isObj(p)) continue;
          p['protocol'] ??= 'TCP';
          p['targetPort'] ??= p['port'];
        }
      }
      break;
    case 'namespaces':
      obj.status ??= {};
      if (isObj(obj.status)) obj.status['phase'] ??= 'Active';
      break;
    default:
      break;
  }
}
