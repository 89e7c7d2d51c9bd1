import { useCallback, useRef } from 'react';

/**
 * Requests whose answers replace each other (a list reloaded as filters change, or after an action): only the
 * answer of the latest one is applied. Without this an earlier request answering last would put back a list
 * the user has already moved away from.
 */
export function useLatest() {
  const seq = useRef(0);
  return useCallback(<T>(request: Promise<T>, apply: (value: T) => void, fail: (error: unknown) => void) => {
    const mine = ++seq.current;
    request.then(
      (value) => {
        if (mine === seq.current) apply(value);
      },
      (error: unknown) => {
        if (mine === seq.current) fail(error);
      },
    );
  }, []);
}
