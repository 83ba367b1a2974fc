/** The emulator's ingress controller: Ingress rules and ready endpoints rendered into a real nginx. */
export {
  startIngressController,
  DEFAULT_INGRESS_SYNC_DELAY_MS,
  INGRESS_ADDRESS,
  NGINX_FAILED_REASON,
  NGINX_MISSING_REASON,
  RELOAD_REASON,
  type IngressController,
  type IngressControllerOptions,
} from './ingress-controller.js';
export { buildIngressRouting, describeChange, diffRouting, servesIngress, slicesByService, INGRESS_CLASS_NAME, INGRESS_CONTROLLER_NAME } from './ingress-routing.js';
export { renderNginxConfig, locationHeads, upstreamName, INGRESS_NGINX_DEFAULTS, UPSTREAM_HEADER, type IngressRouting, type IngressUpstream, type NginxSettings } from './nginx-config.js';
export { findNginx, NGINX_INSTALL_HINT, NGINX_PACKAGE } from './nginx-process.js';
