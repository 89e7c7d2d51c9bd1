import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SeatInfo, SessionInfo } from '../../shared/contract';
import { call, useErrorText, useSeat } from '../app/seat-context';
import { LanguageToggle } from '../components/LanguageToggle';
import type { Language } from '../i18n';

/** Agents from the seat's local store; the seat counts failures and locks after five. */
export function Login(props: {
  info: SeatInfo | null;
  onLoggedIn: (s: SessionInfo) => void;
  onLanguage: (lng: Language) => void;
}) {
  const { info, onLoggedIn } = props;
  const { t } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [agentCode, setAgentCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  // The agent starts typing the code at once (a keyboard-driven console).
  useEffect(() => codeInput.current?.focus(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!agentCode.trim()) return setError(t('errors.required', { field: t('login.agentCode') }));
    if (!password) return setError(t('errors.required', { field: t('login.password') }));
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await call(seat, 'session.login', { agentCode: agentCode.trim(), password }));
    } catch (e) {
      setError(errorText(e));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="login-head">
          <h1 id="login-title">{t('login.title')}</h1>
          <LanguageToggle onChange={props.onLanguage} />
        </div>
        {info && <p className="login-branch">{info.branchName}</p>}
        <label htmlFor="agent-code">{t('login.agentCode')}</label>
        <input
          id="agent-code"
          name="agentCode"
          autoComplete="username"
          ref={codeInput}
          value={agentCode}
          onChange={(e) => setAgentCode(e.target.value)}
        />
        <label htmlFor="password">{t('login.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p className="form-error" role="alert">
          {error}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
