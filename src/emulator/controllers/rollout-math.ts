/*
 * The Deployment controller's arithmetic, pure, one concept per module: fence posts
 * (rollout-fenceposts), replica counts (replicaset-counts), the new ReplicaSet's target
 * (rollout-new-replicaset), the old ReplicaSets' scale-down (rollout-old-replicasets),
 * proportional scaling (proportional-scale), the pod-template hash (pod-template-hash), the
 * annotations and revisions (deployment-annotations). Behaviour follows upstream
 * pkg/controller/deployment (rolling.go, sync.go, util/deployment_util.go).
 */
export * from './deployment-annotations.js';
export * from './pod-template-hash.js';
export * from './proportional-scale.js';
export * from './replicaset-counts.js';
export * from './rollout-fenceposts.js';
export * from './rollout-new-replicaset.js';
export * from './rollout-old-replicasets.js';
