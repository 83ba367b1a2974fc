/** The emulator's kubelet: pods as local process groups. */
export { startKubelet, type Kubelet, type KubeletOptions, type PodLogView } from './kubelet.js';
export { defaultImages, demoAppPath } from './default-images.js';
export { resolveImage, normalizeImage, type ImageMap, type ImageSpec } from './images.js';
export { PORT_MAP_ANNOTATION, parsePortMap, type PodAddressing } from './pod-addressing.js';
export { DEFAULT_RESTART_BACKOFF, type BackoffPolicy } from './backoff.js';
