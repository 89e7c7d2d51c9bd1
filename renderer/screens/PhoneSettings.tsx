import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SetSettingArgs, Settings } from '../../shared/contract';
import { phoneConfig, usePhone } from '../app/phone-context';
import { call, useErrorText, useSeat } from '../app/seat-context';

type Key = SetSettingArgs['key'];
const TEXT: Key[] = [
  'sip.wsUrl',
  'sip.uri',
  'sip.authUser',
  'sip.password',
  'sip.displayName',
  'dial.outsidePrefix',
];
const NUMBERS: Key[] = ['sip.ringTimeoutSec', 'sip.iceGatheringTimeoutMs'];
const FLAGS: Key[] = [
  'dial.prefixMobiles',
  'audio.echoCancellation',
  'audio.noiseSuppression',
  'audio.autoGainControl',
];

interface Device {
  deviceId: string;
  label: string;
}

/**
 * The seat's SIP account, dialling rules and audio devices. Each field is validated by the seat; a refused
 * value shows the seat's own message beside the form, and nothing else is lost.
 */
export function PhoneSettings() {
  const { t } = useTranslation();
  const seat = useSeat();
  const phone = usePhone();
  const errorText = useErrorText();
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [iceText, setIceText] = useState('');
  const [devices, setDevices] = useState<{ inputs: Device[]; outputs: Device[] }>({
    inputs: [],
    outputs: [],
  });
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  useEffect(() => {
    void call(seat, 'settings.get', {}).then((s) => {
      setSaved(s);
      setDraft(s);
      setIceText(
        s['sip.iceServers'].map((x) => (Array.isArray(x.urls) ? x.urls.join(' ') : x.urls)).join('\n'),
      );
    });
    void navigator.mediaDevices
      ?.enumerateDevices()
      .then((all) => {
        const pick = (kind: MediaDeviceKind) =>
          all
            .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default')
            .map((d) => ({ deviceId: d.deviceId, label: d.label || d.deviceId.slice(0, 8) }));
        setDevices({ inputs: pick('audioinput'), outputs: pick('audiooutput') });
      })
      .catch(() => {});
  }, [seat]);

  if (!draft || !saved) return <p className="muted">{t('worklist.loading')}</p>;
  const set = <K extends Key>(key: K, value: Settings[K]) => setDraft({ ...draft, [key]: value });

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!draft || !saved) return;
    const ice = iceText
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => ({ urls: line.split(/\s+/) }));
    const next = { ...draft, 'sip.iceServers': ice } as Settings;
    setMessage(null);
    try {
      let latest = saved;
      for (const key of Object.keys(next) as Key[]) {
        if (JSON.stringify(next[key]) === JSON.stringify(saved[key])) continue;
        latest = await call(seat, 'settings.set', { key, value: next[key] } as SetSettingArgs);
      }
      setSaved(latest);
      setDraft(latest);
      if (latest['sip.wsUrl'] !== saved['sip.wsUrl']) {
        // The page may connect only where its CSP allows, and the CSP names the PBX when the page loads.
        setMessage({ error: false, text: t('phoneSettings.reloading') });
        setTimeout(() => window.location.reload(), 1500);
        return;
      }
      await phone.configure(phoneConfig(latest));
      setMessage({ error: false, text: t('phoneSettings.saved') });
    } catch (e) {
      setMessage({ error: true, text: errorText(e) });
    }
  }

  const label = (key: Key) => t(`phoneSettings.fields.${key.replace('.', '_')}`);
  return (
    <section className="phone-settings" aria-labelledby="phone-settings-title">
      <div className="panel-head">
        <h2 id="phone-settings-title">{t('phoneSettings.title')}</h2>
      </div>
      <form className="settings-form" onSubmit={save} noValidate>
        {TEXT.map((key) => (
          <label key={key}>
            <span>{label(key)}</span>
            <input
              name={key}
              type={key === 'sip.password' ? 'password' : 'text'}
              autoComplete="off"
              value={String(draft[key])}
              onChange={(e) => set(key, e.target.value as never)}
            />
          </label>
        ))}
        {NUMBERS.map((key) => (
          <label key={key}>
            <span>{label(key)}</span>
            <input
              name={key}
              type="number"
              value={Number(draft[key])}
              onChange={(e) => set(key, Number(e.target.value) as never)}
            />
          </label>
        ))}
        <label>
          <span>{t('phoneSettings.fields.sip_iceServers')}</span>
          <textarea
            name="sip.iceServers"
            rows={2}
            value={iceText}
            onChange={(e) => setIceText(e.target.value)}
          />
        </label>
        {FLAGS.map((key) => (
          <label key={key} className="check">
            <input
              name={key}
              type="checkbox"
              checked={Boolean(draft[key])}
              onChange={(e) => set(key, e.target.checked as never)}
            />
            <span>{label(key)}</span>
          </label>
        ))}
        {(['audio.inputDeviceId', 'audio.outputDeviceId'] as const).map((key) => (
          <label key={key}>
            <span>{label(key)}</span>
            <select name={key} value={draft[key]} onChange={(e) => set(key, e.target.value)}>
              <option value="">{t('phoneSettings.systemDefault')}</option>
              {(key === 'audio.inputDeviceId' ? devices.inputs : devices.outputs).map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
        ))}
        <p className={message?.error ? 'form-error' : 'notice'} role={message?.error ? 'alert' : 'status'}>
          {message?.text}
        </p>
        <button type="submit" className="primary">
          {t('phoneSettings.save')}
        </button>
      </form>
    </section>
  );
}
