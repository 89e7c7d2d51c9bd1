/**
 * Imported first, before any zod schema is built. The page's CSP has no 'unsafe-eval'; zod 4 probes for eval
 * (`new Function('')`) whenever it builds an object schema, unless it is jitless, and Chromium reports each
 * caught probe as a `script-src eval` CSP violation. Jitless skips the probe and the eval-compiled fast path,
 * which the CSP refuses anyway. The renderer's entry must import this (or renderer/transport) before anything
 * that imports shared/.
 */
import { z } from 'zod';

z.config({ jitless: true });
