import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { PhoneCredentials, SeatBridge, Settings } from '../../shared/contract';
import type {
  CallQuality,
  CallStatus,
  Phone,
  PhoneConfig,
  PhoneEvents,
  Registration,
} from '../../shared/phone/service';
import type { ConsolePhone, LineState } from '../phone/console-phone';
import type { TrainingProgress } from '../phone/training-phone';
import { call } from './seat-context';

export const PhoneContext = createContext<ConsolePhone | null>(null);

export function usePhone(): ConsolePhone {
  const phone = useContext(PhoneContext);
  if (!phone) throw new Error('usePhone outside <PhoneContext.Provider>');
  return phone;
}

/**
 * One phone event as React state. Separate hooks, so that the 20 Hz levels re-render only their meters and the
 * once-a-second quality only its indicator.
 */
function usePhoneValue<E extends keyof PhoneEvents>(
  phone: Phone,
  event: E,
  initial: () => PhoneEvents[E],
): PhoneEvents[E] {
  const [value, setValue] = useState(initial);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `initial` only reads the phone given
  useEffect(() => {
    setValue(initial);
    return phone.on(event, setValue as (v: PhoneEvents[E]) => void);
  }, [phone, event]);
  return value;
}

export const useRegistration = (phone: Phone): Registration =>
  usePhoneValue(phone, 'registration', () => phone.registration);
export const useCall = (phone: Phone): CallStatus | null => usePhoneValue(phone, 'call', () => phone.call);
/** The microphone's level (`inputLevel`) or the customer's (`remoteLevel`), 0..1. */
export const useLevel = (phone: Phone, side: 'inputLevel' | 'remoteLevel'): number =>
  usePhoneValue(phone, side, () => 0);
export const useInputLevel = (phone: Phone): number => useLevel(phone, 'inputLevel');
export const useCallQuality = (phone: Phone): CallQuality | null =>
  usePhoneValue(phone, 'quality', () => null);

/** The line the console dials on (PBX or training) and the training line's personas. */
export function useLine(phone: ConsolePhone): LineState {
  const [line, setLine] = useState(() => phone.line);
  useEffect(() => {
    setLine(phone.line);
    return phone.onLine(setLine);
  }, [phone]);
  return line;
}

/** How far the training line's simulated customer is (turns started of all). */
export function useTrainingProgress(phone: ConsolePhone): TrainingProgress | null {
  const [progress, setProgress] = useState(() => phone.progress);
  useEffect(() => {
    setProgress(phone.progress);
    return phone.onProgress(setProgress);
  }, [phone]);
  return progress;
}

/**
 * The phone's configuration, from the seat's settings and its credentials: `settings.get` masks the SIP
 * password and TURN credentials, `phone.credentials` (audited) gives them to the phone alone.
 */
export function phoneConfig(s: Settings, credentials: PhoneCredentials): PhoneConfig {
  return {
    wsUrl: s['sip.wsUrl'],
    uri: s['sip.uri'],
    authUser: s['sip.authUser'],
    password: credentials.password,
    displayName: s['sip.displayName'],
    iceServers: credentials.iceServers.map((server) => ({
      urls: server.urls,
      ...(server.username !== undefined ? { username: server.username } : {}),
      ...(server.credential !== undefined ? { credential: server.credential } : {}),
    })),
    iceGatheringTimeoutMs: s['sip.iceGatheringTimeoutMs'],
    ringTimeoutSec: s['sip.ringTimeoutSec'],
    deadCallSec: s['sip.deadCallSec'],
    silenceWarnSec: s['sip.silenceWarnSec'],
    echoCancellation: s['audio.echoCancellation'],
    noiseSuppression: s['audio.noiseSuppression'],
    autoGainControl: s['audio.autoGainControl'],
    inputDeviceId: s['audio.inputDeviceId'],
    outputDeviceId: s['audio.outputDeviceId'],
  };
}

/** The phone's configuration as the seat has it now (`settings` when already read). */
export async function loadPhoneConfig(seat: SeatBridge, settings?: Settings): Promise<PhoneConfig> {
  const [s, credentials] = await Promise.all([
    settings ?? call(seat, 'settings.get', {}),
    call(seat, 'phone.credentials', {}),
  ]);
  return phoneConfig(s, credentials);
}

/**
 * One value derived from the call, as React state that changes only when that value does: a view that needs
 * "is this task in a call" does not render again for every ringing and answer (renders there slow call set-up).
 * `select` returns a string, number, boolean or null, compared with Object.is.
 */
export function useCallSelect<T extends string | number | boolean | null>(
  phone: Phone,
  select: (call: CallStatus | null) => T,
): T {
  const latest = useRef(select);
  latest.current = select;
  const [value, setValue] = useState(() => select(phone.call));
  useEffect(() => {
    setValue(latest.current(phone.call));
    return phone.on('call', (call) => setValue(latest.current(call)));
  }, [phone]);
  return value;
}
