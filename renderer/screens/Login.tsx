import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SeatInfo, SessionInfo } from '../../shared/contract';
import { call, SeatCallError, useErrorText, useSeat } from '../app/seat-context';
import { LanguageToggle } from '../components/LanguageToggle';
import type { Language } from '../i18n';

/**
 * Agents from the seat's local store; the seat counts failures and locks after five. A head-office login whose
 * password must change first (its generated first one) goes on to a second step: the new password, twice.
 */
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
  /** Set once head office has answered PASSWORD_CHANGE_REQUIRED: the old password is kept for the change. */
  const [changing, setChanging] = useState(false);
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const codeInput = useRef<HTMLInputElement>(null);
  const newInput = useRef<HTMLInputElement>(null);
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
      if (e instanceof SeatCallError && e.error.code === 'PASSWORD_CHANGE_REQUIRED') {
        setChanging(true);
        setError(null);
        setTimeout(() => newInput.current?.focus());
      } else {
        setError(errorText(e));
        setPassword('');
      }
    } finally {
      setBusy(false);
    }
  }

  async function change(event: FormEvent) {
    event.preventDefault();
    if (!newPassword) return setError(t('errors.required', { field: t('login.newPassword') }));
    if (newPassword !== confirm) return setError(t('login.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await call(seat, 'session.changePassword', { agentCode: agentCode.trim(), password, newPassword });
      onLoggedIn(await call(seat, 'session.login', { agentCode: agentCode.trim(), password: newPassword }));
    } catch (e) {
      setError(errorText(e));
      setNewPassword('');
      setConfirm('');
    } finally {
      setBusy(false);
    }
  }

  const back = () => {
    setChanging(false);
    setPassword('');
    setNewPassword('');
    setConfirm('');
    setError(null);
  };

  if (changing) {
    return (
      <main className="login">
        <form className="login-card" onSubmit={change} noValidate aria-labelledby="change-title">
          <div className="login-head">
            <h1 id="change-title">{t('login.changeTitle')}</h1>
          </div>
          <p className="login-branch">{agentCode.trim()}</p>
          <p className="muted">{t('login.changeHint')}</p>
          <label htmlFor="new-password">{t('login.newPassword')}</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            ref={newInput}
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
          />
          <label htmlFor="confirm-password">{t('login.confirmPassword')}</label>
          <input
            id="confirm-password"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <p className="form-error" role="alert">
            {error}
          </p>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('login.submitting') : t('login.changeSubmit')}
          </button>
          <button type="button" onClick={back} disabled={busy}>
            {t('login.changeCancel')}
          </button>
        </form>
      </main>
    );
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="login-head">
          <h1 id="login-title">{t('login.title')}</h1>
          <LanguageToggle onChange={props.onLanguage} />
        </div>
        {info && <p className="login-branch">{info.branchName}</p>}
        {info?.demo && (
          <p className="login-demo" role="note">
            {t('login.demo')}
          </p>
        )}
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
