/** One reason a field is invalid, as in a Kubernetes Status' details.causes. */
export interface StatusCause {
  field?: string;
  message: string;
  reason: string;
}

/** The details block of a Kubernetes Status. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A Kubernetes `Status` object (kind Status, apiVersion v1), as the API server answers failures. */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: StatusDetails;
}

/**
 * An error the emulated API server answers with: the HTTP code, the Kubernetes reason
 * (NotFound, AlreadyExists, Conflict, Invalid, Expired...) and a message. Thrown by the store too,
 * so in-process callers (controllers, kubelet) see the same errors a client would.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The Status JSON a real API server sends for this error. */
  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details !== undefined) s.details = this.details;
    return s;
  }
}

/** `<kind>.<group> "name"`, or `<plural> "name"` for core, as Kubernetes messages name objects. */
function qualified(resource: string, group: string, name: string): string {
  return `${group ? `${resource}.${group}` : resource} "${name}"`;
}

/** 404 NotFound for a named object. */
export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(resource, group, name)} not found`, { name, group, kind: resource });
}

/** 409 AlreadyExists for a create of a name in use. */
export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(resource, group, name)} already exists`, { name, group, kind: resource });
}

/** 409 Conflict for an update carrying a stale resourceVersion. */
export function conflict(resource: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group, name)}: the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
}

/** 422 Invalid with one cause per bad field. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const what = `${group ? `${kind}.${group}` : kind} "${name}"`;
  const list = causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', ');
  return new ApiError(422, 'Invalid', `${what} is invalid: ${causes.length > 1 ? `[${list}]` : list}`, { name, group, kind, causes });
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 Expired for a watch or list from a resourceVersion older than the kept history. */
export function expired(fromResourceVersion: number, oldest: number): ApiError {
  return new ApiError(410, 'Expired', `too old resource version: ${fromResourceVersion} (${oldest})`);
}

/** 504 Timeout for a resourceVersion newer than the store's, as upstream's NewTooLargeResourceVersionError. */
export function tooLargeResourceVersion(wanted: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
    retryAfterSeconds: 1,
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
}
