import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export const PRIVATE_NETWORK_REQUIRED = 'the SIP rig must run inside `unshare --net` (npm run test:rig)';

/** The interfaces of this process's network namespace, up or down (/proc/net/dev follows the namespace). */
export function namespaceInterfaces(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '');
}

/**
 * True inside a private network namespace whose only interface is loopback, brought up (127.0.0.1): then
 * Chromium's WebRTC can offer no other address and every packet of the rig stays on loopback.
 */
export function inPrivateNetwork(): boolean {
  const names = namespaceInterfaces();
  if (names.length !== 1 || names[0] !== 'lo') return false;
  const lo = networkInterfaces().lo ?? [];
  return (
    Object.keys(networkInterfaces()).every((name) => name === 'lo') &&
    lo.some((a) => a.address === '127.0.0.1')
  );
}

/** Throws unless inPrivateNetwork(); call it before starting anything of the rig. */
export function requirePrivateNetwork(): void {
  if (!inPrivateNetwork()) {
    throw new Error(`${PRIVATE_NETWORK_REQUIRED}; interfaces here: ${namespaceInterfaces().join(', ')}`);
  }
}
