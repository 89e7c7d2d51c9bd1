/**
 * A deep copy of JSON data (scripts, answers, engine state). `structuredClone` is not in shared/'s library
 * (no DOM, no Node), and everything cloned here is JSON by construction.
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
