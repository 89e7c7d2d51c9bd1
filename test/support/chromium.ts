import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: the only browser these machines have (scripts/test-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as TESTRIG.md found it works here: no sandbox (root), no GPU, and none of the background
 * networking that a closed network refuses.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
