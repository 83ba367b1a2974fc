import { invalid, type StatusCause } from './api-error.js';
import type { ResourceInfo } from './resources.js';
import { matchesLabels, parseLabelSelector, labelSelectorToString } from './selectors.js';
import type { KObject } from './store-types.js';

type Json = Record<string, any>;

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', message: 'Required value', field };
}

function bad(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

function validateContainers(list: unknown, path: string, causes: StatusCause[], requireOne: boolean): void {
  if (!Array.isArray(list) || list.length === 0) {
    if (requireOne) causes.push(required(path));
    return;
  }
  const names = new Set<string>();
  list.forEach((c: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) {
      causes.push(bad(p, c, 'must be an object'));
      return;
    }
    const name: unknown = c['name'];
    if (typeof name !== 'string' || name === '') causes.push(required(`${p}.name`));
    else if (!DNS_LABEL.test(name)) causes.push(bad(`${p}.name`, name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
    else if (names.has(name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}`, field: `${p}.name` });
    else names.add(name);
    if (typeof c['image'] !== 'string' || c['image'] === '') causes.push(required(`${p}.image`));
    if (Array.isArray(c['ports'])) {
      c['ports'].forEach((port: unknown, j: number) => {
        const cp = isObj(port) ? port['containerPort'] : undefined;
        if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 1 || cp > 65535) causes.push(bad(`${p}.ports[${j}].containerPort`, cp, 'must be between 1 and 65535, inclusive'));
      });
    }
  });
}

function validatePodSpec(spec: unknown, path: string, causes: StatusCause[]): void {
  if (!isObj(spec)) {
    causes.push(required(`${path}.containers`));
    return;
  }
  validateContainers(spec['containers'], `${path}.containers`, causes, true);
  validateContainers(spec['initContainers'], `${path}.initContainers`, causes, false);
  const g: unknown = spec['terminationGracePeriodSeconds'];
  if (g !== undefined && (typeof g !== 'number' || g < 0)) causes.push(bad(`${path}.terminationGracePeriodSeconds`, g, 'must be greater than or equal to 0'));
}

function validateWorkload(obj: KObject, causes: StatusCause[], requireSelector: boolean): void {
  const spec: unknown = obj.spec;
  if (!isObj(spec)) {
    causes.push(required('spec.selector'), required('spec.template.spec.containers'));
    return;
  }
  const replicas: unknown = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) causes.push(bad('spec.replicas', replicas, 'must be greater than or equal to 0'));
  const sel: unknown = spec['selector'];
  const template: unknown = spec['template'];
  const tLabels: unknown = isObj(template) && isObj(template['metadata']) ? template['metadata']['labels'] : undefined;
  if (requireSelector) {
    if (!isObj(sel)) causes.push(required('spec.selector'));
    else {
      let str: string | undefined;
      try {
        str = labelSelectorToString(sel);
      } catch (err) {
        causes.push(bad('spec.selector', sel, (err as Error).message));
      }
      if (str === '') causes.push(bad('spec.selector', sel, 'empty selector is invalid for deployment'));
      else if (str !== undefined) {
        let ok = false;
        try {
          ok = matchesLabels(parseLabelSelector(str), isObj(tLabels) ? (tLabels as Record<string, string>) : {});
        } catch {
          causes.push(bad('spec.selector', sel, 'invalid label selector'));
          ok = true;
        }
        if (!ok) causes.push(bad('spec.template.metadata.labels', tLabels ?? {}, '`selector` does not match template `labels`'));
      }
    }
  }
  if (!isObj(template)) causes.push(required('spec.template.spec.containers'));
  else validatePodSpec(template['spec'], 'spec.template.spec', causes);
}

function validateService(obj: KObject, causes: StatusCause[]): void {
  const spec: unknown = obj.spec;
  const headless = isObj(spec) && spec['clusterIP'] === 'None';
  const ports: unknown = isObj(spec) ? spec['ports'] : undefined;
  if (!Array.isArray(ports) || ports.length === 0) {
    if (!headless && !(isObj(spec) && spec['type'] === 'ExternalName')) causes.push(required('spec.ports'));
    return;
  }
  ports.forEach((p: unknown, i) => {
    const port = isObj(p) ? p['port'] : undefined;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) causes.push(bad(`spec.ports[${i}].port`, port, 'must be between 1 and 65535, inclusive'));
    if (ports.length > 1 && (!isObj(p) || typeof p['name'] !== 'string' || p['name'] === '')) causes.push(required(`spec.ports[${i}].name`));
  });
}

function validateBackend(b: unknown, path: string, causes: StatusCause[]): void {
  if (!isObj(b)) {
    causes.push(required(path));
    return;
  }
  const svc: unknown = b['service'];
  if (!isObj(svc)) {
    if (b['resource'] === undefined) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "": one backend (service or resource) must be specified', field: path });
    return;
  }
  if (typeof svc['name'] !== 'string' || svc['name'] === '') causes.push(required(`${path}.service.name`));
  const port: unknown = svc['port'];
  const num = isObj(port) ? port['number'] : undefined;
  const pname = isObj(port) ? port['name'] : undefined;
  if (num === undefined && (pname === undefined || pname === '')) causes.push(required(`${path}.service.port`));
  else if (num !== undefined && pname !== undefined) causes.push(bad(`${path}.service.port`, port, 'cannot set both port name & port number'));
  else if (num !== undefined && (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 65535)) causes.push(bad(`${path}.service.port.number`, num, 'must be between 1 and 65535, inclusive'));
}

/** networking.k8s.io/v1 Ingress: a default backend or rules; every path absolute with a pathType and one backend. */
function validateIngress(obj: KObject, causes: StatusCause[]): void {
  const spec: unknown = obj.spec;
  const rules: unknown = isObj(spec) ? spec['rules'] : undefined;
  const dflt: unknown = isObj(spec) ? spec['defaultBackend'] : undefined;
  if (dflt === undefined && (!Array.isArray(rules) || rules.length === 0)) {
    causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "": either `defaultBackend` or `rules` must be specified', field: 'spec' });
    return;
  }
  if (dflt !== undefined) validateBackend(dflt, 'spec.defaultBackend', causes);
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, i) => {
    const p = `spec.rules[${i}]`;
    const host: unknown = isObj(rule) ? rule['host'] : undefined;
    if (host !== undefined && (typeof host !== 'string' || !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host))) {
      causes.push(bad(`${p}.host`, host, "a lowercase RFC 1123 subdomain (or a wildcard `*.` before one) must consist of lower case alphanumeric characters, '-' or '.'"));
    }
    const http: unknown = isObj(rule) ? rule['http'] : undefined;
    if (http === undefined) return;
    const paths: unknown = isObj(http) ? http['paths'] : undefined;
    if (!Array.isArray(paths) || paths.length === 0) {
      causes.push(required(`${p}.http.paths`));
      return;
    }
    paths.forEach((hp: unknown, j) => {
      const pp = `${p}.http.paths[${j}]`;
      if (!isObj(hp)) {
        causes.push(bad(pp, hp, 'must be an object'));
        return;
      }
      const pathType: unknown = hp['pathType'];
      if (pathType === undefined) causes.push(required(`${pp}.pathType`));
      else if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(String(pathType))) causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(pathType)}: supported values: "Exact", "ImplementationSpecific", "Prefix"`, field: `${pp}.pathType` });
      const path: unknown = hp['path'];
      if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) causes.push(bad(`${pp}.path`, path, 'must be an absolute path'));
      else if (path === undefined && pathType !== 'ImplementationSpecific') causes.push(required(`${pp}.path`));
      validateBackend(hp['backend'], `${pp}.backend`, causes);
    });
  });
}

/**
 * Validates an object as the real API server would for the fields the emulator relies on;
 * throws ApiError 422 Invalid listing every bad field. `old` is the stored object on update.
 */
export function validateObject(info: ResourceInfo, obj: KObject, old?: KObject): void {
  const causes: StatusCause[] = [];
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    if (!(info.plural === 'events' && /^[a-z0-9.-]+$/i.test(name))) {
      causes.push(bad('metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
    }
  }
  const labels = obj.metadata?.labels;
  if (labels !== undefined) {
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== 'string' || v.length > 63 || !/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(v)) causes.push(bad(`metadata.labels`, v, `invalid label value for key ${JSON.stringify(k)}`));
    }
  }
  switch (info.plural) {
    case 'deployments':
    case 'replicasets':
      validateWorkload(obj, causes, true);
      if (old !== undefined && JSON.stringify(old.spec?.selector) !== JSON.stringify(obj.spec?.selector)) {
        causes.push(bad('spec.selector', obj.spec?.selector, 'field is immutable'));
      }
      break;
    case 'jobs':
      validateWorkload(obj, causes, false);
      break;
    case 'pods':
      validatePodSpec(obj.spec, 'spec', causes);
      break;
    case 'services':
      validateService(obj, causes);
      break;
    case 'ingresses':
      validateIngress(obj, causes);
      break;
    case 'ingressclasses':
      if (typeof obj.spec?.controller !== 'string' || obj.spec.controller === '') causes.push(required('spec.controller'));
      break;
    default:
      break;
  }
  if (causes.length > 0) throw invalid(info.kind, info.group, name ?? '', causes);
}
