import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  describeError,
  isManagedSetting,
  PLAIN_MESSAGES,
  SetSettingArgs,
  type SettingKey,
  type Settings,
} from '../../shared/contract';
import { loadPhoneConfig, usePhone } from '../app/phone-context';
import { call, SeatCallError, useErrorText, useSeat } from '../app/seat-context';

type Key = SetSettingArgs['key'];
const TEXT: Key[] = [
  'sip.wsUrl',
  'sip.uri',
  'sip.authUser',
  'sip.password',
  'sip.displayName',
  'dial.outsidePrefix',
];
const NUMBERS: Key[] = [
  'sip.ringTimeoutSec',
  'sip.deadCallSec',
  'sip.silenceWarnSec',
  'sip.iceGatheringTimeoutMs',
];
const FLAGS: Key[] = [
  'dial.prefixMobiles',
  'audio.echoCancellation',
  'audio.noiseSuppression',
  'audio.autoGainControl',
];

type IceServers = Settings['sip.iceServers'];

/** One server a line: its URLs, then `username=` and `credential=` when it has them (masked as the seat gave). */
const iceToText = (servers: IceServers) =>
  servers
    .map((x) =>
      [
        ...(Array.isArray(x.urls) ? x.urls : [x.urls]),
        ...(x.username !== undefined ? [`username=${x.username}`] : []),
        ...(x.credential !== undefined ? [`credential=${x.credential}`] : []),
      ].join(' '),
    )
    .join('\n');

const textToIce = (text: string): IceServers =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const words = line.split(/\s+/);
      const value = (name: string) => words.find((w) => w.startsWith(`${name}=`))?.slice(name.length + 1);
      const username = value('username');
      const credential = value('credential');
      return {
        urls: words.filter((w) => !/^(username|credential)=/.test(w)),
        ...(username !== undefined ? { username } : {}),
        ...(credential !== undefined ? { credential } : {}),
      };
    });

type FieldErrors = Partial<Record<Key, string>>;

/**
 * Each changed field checked by the contract's own schema, as the seat will check it: what is wrong with
 * each, by key (the seat's sentence, naming the field as the form does). Empty when all may be saved.
 */
function checkFields(next: Settings, keys: readonly Key[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const key of keys) {
    const args = { key, value: next[key] };
    const parsed = SetSettingArgs.safeParse(args, PLAIN_MESSAGES);
    if (!parsed.success) errors[key] = describeError(parsed.error, { method: 'settings.set', args });
  }
  return errors;
}

interface Device {
  deviceId: string;
  label: string;
}

/**
 * The seat's SIP account, dialling rules and audio devices. A save is all or nothing: every changed field is
 * checked first with the contract's schemas (the seat checks them again), and nothing is saved while one is
 * wrong; each shows its own message beside it, and nothing typed is lost. The phone line (managed
 * settings) is a supervisor's or administrator's to change: an agent sees it read-only; what head office set
 * is read-only to everyone here. Credentials come masked (********) and stay as stored unless retyped.
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
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [sources, setSources] = useState<{ hq: SettingKey[]; canManage: boolean }>({
    hq: [],
    canManage: false,
  });

  useEffect(() => {
    void call(seat, 'settings.get', {}).then((s) => {
      setSaved(s);
      setDraft(s);
      setIceText(iceToText(s['sip.iceServers']));
    });
    void call(seat, 'settings.sources', {}).then(setSources, () => {});
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
  const fromHq = (key: Key) => sources.hq.includes(key);
  const locked = (key: Key) => fromHq(key) || (isManagedSetting(key) && !sources.canManage);
  /** Why a field is read-only here, shown under it. */
  const lockNote = (key: Key) =>
    locked(key) ? (
      <small className="hint" id={`${key}-note`}>
        {t(fromHq(key) ? 'phoneSettings.fromHq' : 'phoneSettings.managed')}
      </small>
    ) : null;
  /** A field's own refusal, shown under it until the next save. */
  const errorNote = (key: Key) =>
    fieldErrors[key] ? (
      <small className="form-error" id={`${key}-error`}>
        {fieldErrors[key]}
      </small>
    ) : null;
  const describedBy = (key: Key) =>
    [locked(key) ? `${key}-note` : '', fieldErrors[key] ? `${key}-error` : ''].filter(Boolean).join(' ') ||
    undefined;
  const fieldProps = (key: Key) => ({
    ...(locked(key) ? { readOnly: true } : {}),
    'aria-invalid': fieldErrors[key] ? true : undefined,
    'aria-describedby': describedBy(key),
  });
  /** The seat's sentence in Chinese; in English the error code's, as every refusal reads there. */
  const said = (text: string) => errorText(new SeatCallError({ code: 'BAD_REQUEST', message: text }));

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!draft || !saved) return;
    const next = { ...draft, 'sip.iceServers': textToIce(iceText) } as Settings;
    const changed = (Object.keys(next) as Key[]).filter(
      (key) => !locked(key) && JSON.stringify(next[key]) !== JSON.stringify(saved[key]),
    );
    setMessage(null);
    const wrong = Object.fromEntries(
      Object.entries(checkFields(next, changed)).map(([key, text]) => [key, said(text)]),
    ) as FieldErrors;
    setFieldErrors(wrong);
    const first = changed.find((key) => wrong[key]);
    if (first) {
      // Nothing is sent while one field is wrong: a half-saved line (a new server, the old account) is worse
      // than the old one.
      setMessage({ error: true, text: t('phoneSettings.notSaved', { count: Object.keys(wrong).length }) });
      document.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    let latest = saved;
    let key: Key | undefined;
    try {
      for (key of changed) {
        latest = await call(seat, 'settings.set', { key, value: next[key] } as SetSettingArgs);
      }
      key = undefined;
      setSaved(latest);
      setDraft(latest);
      setIceText(iceToText(latest['sip.iceServers']));
      if (latest['sip.wsUrl'] !== saved['sip.wsUrl']) {
        // The page may connect only where its CSP allows, and the CSP names the PBX when the page loads.
        setMessage({ error: false, text: t('phoneSettings.reloading') });
        setTimeout(() => window.location.reload(), 1500);
        return;
      }
      await phone.configure(await loadPhoneConfig(seat, latest));
      setMessage({ error: false, text: t('phoneSettings.saved') });
    } catch (e) {
      // The seat refused what its schemas let through (access, a full disk): what it saved before stays saved
      // (`saved` follows it, the draft keeps what was typed), and the refusal is shown where it belongs.
      setSaved(latest);
      if (key !== undefined && e instanceof SeatCallError && e.error.code === 'BAD_REQUEST') {
        setFieldErrors({ [key]: errorText(e) });
      }
      setMessage({
        error: true,
        text: latest === saved ? errorText(e) : t('phoneSettings.partlySaved', { error: errorText(e) }),
      });
    }
  }

  const label = (key: Key) => t(`phoneSettings.fields.${key.replace('.', '_')}`);
  return (
    <section className="phone-settings" aria-labelledby="phone-settings-title">
      <div className="panel-head">
        <h1 id="phone-settings-title" className="screen-title">
          {t('phoneSettings.title')}
        </h1>
      </div>
      <form className="settings-form" onSubmit={save} noValidate>
        {!sources.canManage && <p className="muted">{t('phoneSettings.managedNote')}</p>}
        {TEXT.map((key) => (
          <label key={key}>
            <span>{label(key)}</span>
            <input
              name={key}
              type={key === 'sip.password' ? 'password' : 'text'}
              autoComplete="off"
              value={String(draft[key])}
              onChange={(e) => set(key, e.target.value as never)}
              {...fieldProps(key)}
            />
            {lockNote(key)}
            {errorNote(key)}
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
              {...fieldProps(key)}
            />
            {lockNote(key)}
            {errorNote(key)}
          </label>
        ))}
        <label>
          <span>{t('phoneSettings.fields.sip_iceServers')}</span>
          <textarea
            name="sip.iceServers"
            rows={2}
            value={iceText}
            onChange={(e) => setIceText(e.target.value)}
            {...fieldProps('sip.iceServers')}
          />
          {lockNote('sip.iceServers') ?? <small className="hint">{t('phoneSettings.iceHint')}</small>}
          {errorNote('sip.iceServers')}
        </label>
        {FLAGS.map((key) => (
          <label key={key} className="check">
            <input
              name={key}
              type="checkbox"
              checked={Boolean(draft[key])}
              // A checkbox has no read-only state: disabled, with the note saying why.
              disabled={locked(key)}
              aria-describedby={describedBy(key)}
              onChange={(e) => set(key, e.target.checked as never)}
            />
            <span>{label(key)}</span>
            {lockNote(key)}
            {errorNote(key)}
          </label>
        ))}
        {(['audio.inputDeviceId', 'audio.outputDeviceId'] as const).map((key) => (
          <label key={key}>
            <span>{label(key)}</span>
            <select
              name={key}
              value={draft[key]}
              onChange={(e) => set(key, e.target.value)}
              aria-invalid={fieldErrors[key] ? true : undefined}
              aria-describedby={describedBy(key)}
            >
              <option value="">{t('phoneSettings.systemDefault')}</option>
              {(key === 'audio.inputDeviceId' ? devices.inputs : devices.outputs).map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
            {errorNote(key)}
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
