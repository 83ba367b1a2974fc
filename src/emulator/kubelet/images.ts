/** What a container image means to the emulator: the local command that stands in for it. */
export interface ImageSpec {
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** Image references to local commands. Keys are exact references or patterns ending in `*`. */
export type ImageMap = Record<string, ImageSpec>;

/** `nginx` -> `nginx:latest`, `docker.io/library/x:1` -> `x:1`: the spellings that name one image. */
export function normalizeImage(ref: string): string {
  let r = ref.trim();
  for (const p of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/']) {
    if (r.startsWith(p)) {
      r = r.slice(p.length);
      break;
    }
  }
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}

/**
 * Finds the image spec for a reference: exact match first, then the longest matching pattern
 * ending in `*`. Undefined means "not pullable": the kubelet reports ErrImagePull.
 */
export function resolveImage(images: ImageMap, ref: string): ImageSpec | undefined {
  const want = normalizeImage(ref);
  for (const [k, v] of Object.entries(images)) if (k === ref || (!k.endsWith('*') && normalizeImage(k) === want)) return v;
  let best: [number, ImageSpec] | undefined;
  for (const [k, v] of Object.entries(images)) {
    if (!k.endsWith('*')) continue;
    const prefix = k.slice(0, -1);
    if ((ref.startsWith(prefix) || want.startsWith(prefix)) && (best === undefined || prefix.length > best[0])) best = [prefix.length, v];
  }
  return best?.[1];
}
