import { createContext, useCallback, useContext } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodArgs, MethodName, MethodResult, SeatBridge, SeatErrorData } from '../../shared/contract';

export const SeatContext = createContext<SeatBridge | null>(null);

export function useSeat(): SeatBridge {
  const seat = useContext(SeatContext);
  if (!seat) throw new Error('useSeat outside <SeatContext.Provider>');
  return seat;
}

/** A refused call, carried as an exception inside the UI so that one catch shows it. */
export class SeatCallError extends Error {
  readonly error: SeatErrorData;
  constructor(error: SeatErrorData) {
    super(error.message);
    this.error = error;
  }
}

/** Calls a contract method and returns its value; a refusal throws `SeatCallError`. */
export async function call<M extends MethodName>(
  seat: SeatBridge,
  method: M,
  args: MethodArgs<M>,
): Promise<MethodResult<M>> {
  const result = await seat.invoke(method, args);
  if (!result.ok) throw new SeatCallError(result.error);
  return result.value;
}

/**
 * The text to show for an error: the seat's own Chinese sentence (it names the field or the lockout time)
 * in Chinese, the translation of its code otherwise.
 */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (error instanceof SeatCallError) {
        return i18n.language === 'zh-CN' ? error.error.message : t(`errors.${error.error.code}`);
      }
      return t('errors.INTERNAL');
    },
    [t, i18n.language],
  );
}
