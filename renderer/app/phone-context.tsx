import { createContext, useContext, useEffect, useState } from 'react';
import type { Settings } from '../../shared/contract';
import type { CallStatus, Phone, PhoneConfig, Registration } from '../../shared/phone/service';

export const PhoneContext = createContext<Phone | null>(null);

export function usePhone(): Phone {
  const phone = useContext(PhoneContext);
  if (!phone) throw new Error('usePhone outside <PhoneContext.Provider>');
  return phone;
}

/** The phone's registration and call, as React state that follows the phone's events. */
export function usePhoneState(phone: Phone): {
  registration: Registration;
  call: CallStatus | null;
  level: number;
} {
  const [registration, setRegistration] = useState(phone.registration);
  const [call, setCall] = useState(phone.call);
  const [level, setLevel] = useState(0);
  useEffect(() => {
    const offs = [
      phone.on('registration', setRegistration),
      phone.on('call', setCall),
      phone.on('inputLevel', setLevel),
    ];
    setRegistration(phone.registration);
    setCall(phone.call);
    return () => {
      for (const off of offs) off();
    };
  }, [phone]);
  return { registration, call, level };
}

/** The phone's configuration, from the seat's settings. */
export function phoneConfig(s: Settings): PhoneConfig {
  return {
    wsUrl: s['sip.wsUrl'],
    uri: s['sip.uri'],
    authUser: s['sip.authUser'],
    password: s['sip.password'],
    displayName: s['sip.displayName'],
    iceServers: s['sip.iceServers'].map((server) => ({
      urls: server.urls,
      ...(server.username !== undefined ? { username: server.username } : {}),
      ...(server.credential !== undefined ? { credential: server.credential } : {}),
    })),
    iceGatheringTimeoutMs: s['sip.iceGatheringTimeoutMs'],
    ringTimeoutSec: s['sip.ringTimeoutSec'],
    echoCancellation: s['audio.echoCancellation'],
    noiseSuppression: s['audio.noiseSuppression'],
    autoGainControl: s['audio.autoGainControl'],
    inputDeviceId: s['audio.inputDeviceId'],
    outputDeviceId: s['audio.outputDeviceId'],
  };
}
