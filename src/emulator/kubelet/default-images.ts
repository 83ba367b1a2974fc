import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ImageMap } from './images.js';

/**
 * The demo app's path, found by walking up from this module: it lives at
 * `<repo>/scenarios/apps/demo-app.mjs` whether this runs from src (tsx, vitest) or from dist.
 */
export function demoAppPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'scenarios', 'apps', 'demo-app.mjs');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('scenarios/apps/demo-app.mjs not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * The images the emulator can "pull" out of the box: `zerodrop/demo-app:<tag>` runs the demo app
 * with the node that runs zerodrop, APP_VERSION set to the tag (so v1 and v2 answer differently);
 * `zerodrop/demo-ws:<tag>` runs the WebSocket and SSE demo app (scenarios/apps/demo-ws-app.mjs).
 * `zerodrop/demo-grpc:<tag>` runs the demo gRPC app (demo-grpc.mjs beside it) the same way.
 */
export function defaultImages(nodePath: string = process.execPath): ImageMap {
  const app = demoAppPath();
  const grpcApp = join(dirname(app), 'demo-grpc.mjs');
  const images: ImageMap = {};
  for (const tag of ['v1', 'v2', 'v3', 'latest']) {
    images[`zerodrop/demo-app:${tag}`] = { command: [nodePath, app], env: { APP_VERSION: tag } };
    images[`zerodrop/demo-grpc:${tag}`] = { command: [nodePath, grpcApp], env: { APP_VERSION: tag } };
  }
  images['zerodrop/demo-app:*'] = { command: [nodePath, app] };
  // The WebSocket (and SSE) demo app, next to the HTTP one: APP_VERSION is the tag, as above.
  const wsApp = join(dirname(app), 'demo-ws-app.mjs');
  for (const tag of ['v1', 'v2', 'v3', 'latest']) {
    images[`zerodrop/demo-ws:${tag}`] = { command: [nodePath, wsApp], env: { APP_VERSION: tag } };
  }
  images['zerodrop/demo-ws:*'] = { command: [nodePath, wsApp] };
  images['zerodrop/demo-grpc:*'] = { command: [nodePath, grpcApp] };
  images['zerodrop/agent:*'] = agentImage(nodePath);
  return images;
}

/**
 * `zerodrop/agent:<tag>`, the load-generating agent of `zerodrop run --agents N`: the local
 * zerodrop CLI's `agent` command (bin/zerodrop.js, which runs the build in dist/). Running from
 * the TypeScript sources (tests), it runs src/cli/agent-command.ts through tsx instead, so no build is needed.
 */
export function agentImage(nodePath: string = process.execPath): ImageMap[string] {
  const root = join(dirname(demoAppPath()), '..', '..');
  if (!import.meta.url.endsWith('.ts')) return { command: [nodePath, join(root, 'bin', 'zerodrop.js'), 'agent'], cwd: root };
  // The agent command alone (not the whole CLI): tsx compiles a fraction of the modules, and starts in ~1 s.
  const command = pathToFileURL(join(root, 'src', 'cli', 'agent-command.ts')).href;
  const io = pathToFileURL(join(root, 'src', 'cli', 'io.ts')).href;
  const code = `const { agentCommand } = await import(${JSON.stringify(command)}); const { processIo } = await import(${JSON.stringify(io)}); process.exitCode = await agentCommand(processIo());`;
  return { command: [nodePath, '--import', 'tsx', '--input-type=module', '-e', code], cwd: root };
}
