import { resolve } from 'node:path';
import { EXIT, type ExitCode } from '../errors.js';
import { loadEmulatorConfig, startEmulator, type EmulatorConfig } from '../emulator/index.js';
import { parseDuration } from '../scenario/parse.js';
import { InvalidInputError } from '../errors.js';
import type { CliIo } from './io.js';

/** Parsed arguments of `zerodrop emulator start`. */
export interface EmulatorStartArgs {
  config?: string | undefined;
  kubeconfig?: string | undefined;
  proxyDelay?: string | undefined;
  dataplane?: 'auto' | 'nftables' | 'userspace' | undefined;
  port?: number | undefined;
  verbose: boolean;
}

/**
 * `zerodrop emulator start`: runs the local Kubernetes in the foreground until Ctrl-C, with a
 * kubeconfig that kubectl and any client use as they would a real cluster's.
 */
export async function emulatorStartCommand(args: EmulatorStartArgs, io: CliIo): Promise<ExitCode> {
  const config: EmulatorConfig = args.config === undefined ? { images: {} } : await loadEmulatorConfig(resolve(io.cwd, args.config));
  if (args.kubeconfig !== undefined) config.kubeconfigPath = resolve(io.cwd, args.kubeconfig);
  if (args.proxyDelay !== undefined) {
    const d = parseDuration(args.proxyDelay);
    if (!d.ok) throw new InvalidInputError([{ path: '--proxy-delay', message: d.message }]);
    config.proxyDelayMs = d.value;
  }
  if (args.dataplane !== undefined) config.dataplane = args.dataplane;
  if (args.port !== undefined) config.port = args.port;

  const emulator = await startEmulator(config, args.verbose ? { log: (m) => io.stderr.write(`emulator: ${m}\n`) } : {});
  io.stdout.write(
    [
      `zerodrop emulator is running: API server ${emulator.url}, service dataplane ${emulator.dataplane}`,
      `kubeconfig: ${emulator.kubeconfigPath}`,
      '',
      `  export KUBECONFIG=${emulator.kubeconfigPath}`,
      '  kubectl apply -f scenarios/apps/demo-graceful.yaml',
      '  kubectl get pods,svc',
      '  kubectl rollout restart deploy/demo-graceful && kubectl rollout status deploy/demo-graceful',
      '',
      'Ctrl-C stops it and every pod process.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const unregister = io.onInterrupt(() => {
      unregister();
      done();
    });
  });
  io.stderr.write('zerodrop: stopping the emulator and its pods...\n');
  await emulator.stop();
  return EXIT.pass;
}
