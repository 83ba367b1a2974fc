// The sweep's short field names, apart from the field machinery so the CLI can show them in --help
// without loading @kubernetes/client-node.

/** How a field's values are parsed and checked. */
export type ValueKind = 'int' | 'positiveInt' | 'intOrPercent' | 'any';

/** The short names of the usual rollout settings. */
export const ALIASES = {
  preStopSeconds: { path: 'template.spec.containers[*].lifecycle.preStop.sleep.seconds', kind: 'int', help: 'preStop sleep of every container, in seconds; 0 removes the hook' },
  gracePeriod: { path: 'template.spec.terminationGracePeriodSeconds', kind: 'int', help: 'terminationGracePeriodSeconds of the pods' },
  readinessPeriod: { path: 'template.spec.containers[*].readinessProbe.periodSeconds', kind: 'positiveInt', help: 'periodSeconds of every readiness probe' },
  minReadySeconds: { path: 'minReadySeconds', kind: 'int', help: 'seconds a new pod must be ready before it counts as available' },
  replicas: { path: 'replicas', kind: 'int', help: 'spec.replicas' },
  maxSurge: { path: 'strategy.rollingUpdate.maxSurge', kind: 'intOrPercent', help: 'pods above replicas during a rollout (number or percent)' },
  maxUnavailable: { path: 'strategy.rollingUpdate.maxUnavailable', kind: 'intOrPercent', help: 'pods below replicas during a rollout (number or percent)' },
} as const satisfies Record<string, { path: string; kind: ValueKind; help: string }>;
