export { startLoadBalancers, TARGET_EVENT_REASONS, type LoadBalancerOptions, type LoadBalancers } from './load-balancer-controller.js';
export { LB_ANNOTATIONS, LB_DEFAULTS, readLoadBalancerSettings, type LoadBalancerSettings } from '../../conventions/aws-load-balancer.js';
export { LB_SERVER_HEADER } from './lb-listener.js';
export { READINESS_GATE_INJECT_LABEL, TARGET_HEALTH_CONDITION_PREFIX, readinessGateAdmission, targetGroupName, targetHealthCondition } from './readiness-gate.js';
