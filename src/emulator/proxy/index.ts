/** The emulator's kube-proxy: Service load balancing with a propagation delay. */
export { startServiceProxy, DATAPLANE_ANNOTATION, PROXY_ADDRESS_ANNOTATION, type ServiceProxy, type ServiceProxyOptions } from './service-proxy.js';
export { categorizeEndpoints, endpointConditions, buildServiceRules, type ProxyEndpoint, type ServicePortRule } from './endpoints.js';
export { renderRuleset, tableName } from './nft-ruleset.js';
export { nftablesSupport } from './nft-dataplane.js';
