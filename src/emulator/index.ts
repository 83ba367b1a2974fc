/** The local Kubernetes emulator: programmatic entry points. */
export { startEmulator, type EmulatorHandle, type StartEmulatorOptions } from './emulator.js';
export { EMULATOR_DEFAULTS, loadEmulatorConfig, parseEmulatorConfig, validateEmulatorConfig, type DataplaneMode, type EmulatorConfig, type EmulatorImage } from './config.js';
export { ApiError } from './api/api-error.js';
export { MemoryStore, type MemoryStoreOptions } from './api/memory-store.js';
export { startApiServer, type ApiServer, type ApiServerOptions, type PodLogProvider, type PodLogRequest } from './api/server.js';
export { writeKubeconfig, kubeconfigYaml, type KubeconfigOptions } from './api/kubeconfig.js';
export { parseLabelSelector, parseFieldSelector, labelSelectorToString } from './api/selectors.js';
export type { KObject, ObjectMeta, Store, StoreEvent, ListOptions, WatchEventType } from './api/store-types.js';
