// What every demo app here reads the same way: its settings from the environment, who it is
// (the pod's address, name and version, as the emulator's kubelet sets them), and its lifecycle
// log. Plain JS, no dependency: the emulator runs the apps as pods without a build step.
import { writeSync } from 'node:fs';
import { hostname } from 'node:os';

export const env = process.env;

/** A non-negative number setting, or `dflt` when unset, empty or not such a number. */
export const int = (name, dflt) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
};

export const POD_IP = env.POD_IP || '127.0.0.1';
export const POD_NAME = env.POD_NAME || hostname();
export const APP_VERSION = env.APP_VERSION || 'dev';

/** One lifecycle line: ISO time, pod, event, details. Written synchronously so none is lost on exit. */
export function log(event, details = '') {
  const line = `${new Date().toISOString()} ${POD_NAME} ${event}${details ? ` ${details}` : ''}\n`;
  try {
    writeSync(1, line);
  } catch {
    // stdout gone (parent died): nothing left to tell
  }
}
