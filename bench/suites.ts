/** The suites of `npm run bench`, in the order a run without names runs them (bench/run.ts). */
export const SUITE_NAMES = ['store', 'shell', 'phone', 'sync', 'supervisor', 'security'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];
