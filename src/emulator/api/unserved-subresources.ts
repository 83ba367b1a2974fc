import { ApiError } from './api-error.js';

// Subresources a real cluster serves and the emulator does not. Answering them with the generic
// "the server could not find the requested resource" reads as if the object were missing (and
// `kubectl debug`, which reads the details of that 404, crashes on a Status without them), so
// each gets an error that says what is not served and what to do instead.

const EXEC_HINT =
  'its containers are local processes on this machine, not in a container runtime: run the command on this machine instead; `kubectl logs` and `kubectl port-forward` are served';

const UNSERVED: Record<string, Record<string, () => ApiError>> = {
  pods: {
    exec: () => new ApiError(400, 'BadRequest', `the zerodrop emulator does not serve pods/exec (kubectl exec, kubectl cp): ${EXEC_HINT}`),
    attach: () => new ApiError(400, 'BadRequest', `the zerodrop emulator does not serve pods/attach: ${EXEC_HINT}`),
    // kubectl debug reads a 404 without a name as "ephemeral containers are disabled", and says so
    ephemeralcontainers: () =>
      new ApiError(404, 'NotFound', 'the zerodrop emulator does not serve pods/ephemeralcontainers: its pods are local processes; debug them on this machine', {}),
    eviction: () => new ApiError(400, 'BadRequest', 'the zerodrop emulator does not serve pods/eviction: delete the pod instead (`kubectl delete pod NAME`), which terminates it gracefully'),
    proxy: () => new ApiError(400, 'BadRequest', "the zerodrop emulator does not serve pods/proxy: reach the pod at its IP (`kubectl get pod NAME -o wide`) or through `kubectl port-forward`"),
    binding: () => new ApiError(400, 'BadRequest', 'the zerodrop emulator does not serve pods/binding: its scheduler binds every pod to its one node'),
    resize: () => new ApiError(400, 'BadRequest', 'the zerodrop emulator does not serve pods/resize: change the Deployment\'s pod template instead'),
  },
  services: {
    proxy: () => new ApiError(400, 'BadRequest', "the zerodrop emulator does not serve services/proxy: reach the Service at its ClusterIP (`kubectl get svc NAME`) or through `kubectl port-forward svc/NAME`"),
  },
  nodes: {
    proxy: () => new ApiError(400, 'BadRequest', 'the zerodrop emulator does not serve nodes/proxy: its node is this machine'),
  },
};

/** The error for a subresource real clusters serve and the emulator does not, or undefined for any other. */
export function unservedSubresource(plural: string, subresource: string): ApiError | undefined {
  return Object.hasOwn(UNSERVED, plural) && Object.hasOwn(UNSERVED[plural] ?? {}, subresource) ? UNSERVED[plural]?.[subresource]?.() : undefined;
}
