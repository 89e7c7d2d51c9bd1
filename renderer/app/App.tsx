import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SeatBridge, SeatInfo, SessionInfo } from '../../shared/contract';
import { AppointmentReminders } from '../components/AppointmentReminders';
import { LanguageToggle } from '../components/LanguageToggle';
import { type ServiceState, StatusBar } from '../components/StatusBar';
import { type Language, setLanguage } from '../i18n';
import { createConsolePhone } from '../phone/console-phone';
import { AuditTrail } from '../screens/AuditTrail';
import { Findings } from '../screens/Findings';
import { History } from '../screens/History';
import { Lockouts } from '../screens/Lockouts';
import { Login } from '../screens/Login';
import { PhoneSettings } from '../screens/PhoneSettings';
import { Recheck } from '../screens/Recheck';
import { Recordings } from '../screens/Recordings';
import { Reports } from '../screens/Reports';
import { Review } from '../screens/Review';
import { SyncSettings } from '../screens/SyncSettings';
import { TaskView } from '../screens/TaskView';
import { Training } from '../screens/Training';
import { Watch } from '../screens/Watch';
import { savedSort, Worklist } from '../screens/Worklist';
import {
  forgetSession,
  keepResumeToken,
  keepScreen,
  keptResumeToken,
  keptScreen,
} from '../transport/session-keep';
import { loadPhoneConfig, PhoneContext } from './phone-context';
import { call, SeatContext } from './seat-context';

type View =
  | 'review'
  | 'recheck'
  | 'findings'
  | 'reports'
  | 'watch'
  | 'training'
  | 'lockouts'
  | 'worklist'
  | 'history'
  | 'recordings'
  | 'audit'
  | 'phone'
  | 'sync';
const WORKSPACE: View[] = ['review', 'recheck', 'findings', 'reports', 'watch', 'training'];
const SEAT_VIEWS: View[] = ['worklist', 'history', 'recordings', 'audit', 'phone', 'sync'];

/**
 * What a user works with: an agent the seat's own screens; a supervising role the review workspace first, and
 * the seat's screens too when the seat knows them (a branch supervisor also takes calls); head-office staff
 * the seat does not know only the workspace (and head-office sync).
 */
function viewsOf(session: SessionInfo): View[] {
  if (session.role === 'agent') return SEAT_VIEWS;
  // Lifting a lockout: supervisors (their seat's and branch's) and administrators.
  const workspace: View[] =
    session.role === 'supervisor' || session.role === 'admin' ? [...WORKSPACE, 'lockouts'] : WORKSPACE;
  return session.local ? [...workspace, ...SEAT_VIEWS] : [...workspace, 'sync'];
}

/**
 * Focus into the screen's main content: the worklist's list when it is there, otherwise the screen's main
 * region (the workspace screens render their own <main>, made focusable here), as the skip link and a login do.
 */
function focusMain() {
  const list = document.querySelector<HTMLElement>('main [role="listbox"]');
  if (list) return list.focus();
  const main = document.querySelector<HTMLElement>('main');
  if (!main) return;
  if (!main.hasAttribute('tabindex')) main.tabIndex = -1;
  main.focus();
}

/** A fresh resume token for this window's session, kept for a reload (transport/session-keep.ts). */
function keepToken(seat: SeatBridge): Promise<void> {
  return call(seat, 'session.resumeToken', {}).then(
    ({ resumeToken }) => keepResumeToken(resumeToken),
    () => {},
  );
}

/**
 * The session this window has: its connection's (Electron's survives a reload), else the one a reload (F5)
 * of this tab left, taken back with the token kept for it. A token the seat refuses (logged out, expired, used)
 * is forgotten: the login shows.
 */
async function currentOrResumed(seat: SeatBridge): Promise<SessionInfo | null> {
  const current = await call(seat, 'session.current', {});
  if (current) {
    await keepToken(seat);
    return current;
  }
  const token = keptResumeToken();
  if (token === null) return null;
  try {
    const { session, resumeToken } = await call(seat, 'session.resume', { resumeToken: token });
    keepResumeToken(resumeToken);
    return session;
  } catch {
    // Resumed meanwhile by this very connection (a second start of this effect) is no failure.
    const now = await call(seat, 'session.current', {});
    if (!now) forgetSession();
    return now;
  }
}

/** A bridge that can tell its connection state (the WebSocket one); Electron's preload has none to tell. */
type Observable = SeatBridge & { onStateChange?: (cb: (state: ServiceState) => void) => () => void };

export function App({ seat }: { seat: Observable }) {
  const { t } = useTranslation();
  const [info, setInfo] = useState<SeatInfo | null>(null);
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [service, setService] = useState<ServiceState | null>(seat.onStateChange ? 'open' : null);
  const [view, setView] = useState<View>('worklist');
  const [openTaskId, setOpenTaskId] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  // One phone per window: it registers once the agent is logged in and the seat's SIP settings are known, and
  // dials on the training line instead when the seat says so (console-phone.ts).
  const phone = useMemo(() => createConsolePhone(seat), [seat]);
  /** A language picked on the login screen, saved once the agent is logged in. */
  const pickedBeforeLogin = useRef<Language | null>(null);
  /** Set by a login: once its first screen is shown, focus moves into that screen's main content. */
  const focusAfterLogin = useRef(false);
  /** What this tab showed before a reload (F5): restored once its session is back, for the same agent only. */
  const restore = useRef(keptScreen());
  /** The session whose screen was set up (a session pushed again is the same one, not a new login). */
  const shownFor = useRef<string | null>(null);
  /** The login screen starts in the seat's last used language; after a logout it stays in the agent's. */
  const seatLanguageApplied = useRef(false);

  useEffect(() => {
    const offs = [
      seat.on('session.changed', (s) => setSession(s)),
      seat.on('worklist.changed', () => setRefresh((n) => n + 1)),
      seat.onStateChange?.((state) => setService(state)) ?? (() => {}),
    ];
    void call(seat, 'seat.info', {}).then(setInfo, () => setInfo(null));
    void currentOrResumed(seat).then(setSession, () => setSession(null));
    return () => {
      for (const off of offs) off();
    };
  }, [seat]);

  // The seat keeps its language in its settings: a choice made on the login screen is saved there, otherwise
  // the stored one applies once someone is logged in (settings are not readable before).
  useEffect(() => {
    if (!session) return;
    const picked = pickedBeforeLogin.current;
    pickedBeforeLogin.current = null;
    if (picked) void call(seat, 'settings.set', { key: 'ui.language', value: picked });
    void call(seat, 'settings.get', {}).then((s) => {
      if (!picked) void setLanguage(s['ui.language']);
      // Head-office staff the seat does not know take no calls here: their phone stays off the line.
      if (session.local) void loadPhoneConfig(seat, s).then((config) => phone.configure(config));
    });
  }, [seat, session, phone]);

  // The login screen of a fresh start speaks the language the seat was last used in (its agent's).
  useEffect(() => {
    if (session !== null || !info || seatLanguageApplied.current) return;
    seatLanguageApplied.current = true;
    if (!pickedBeforeLogin.current) void setLanguage(info.language);
  }, [session, info]);

  // Logging out (or losing the session) takes the phone off the line, and leaves nothing for a reload.
  useEffect(() => {
    if (session !== null) return;
    void phone.close();
    forgetSession();
    shownFor.current = null;
    setOpenTaskId(null);
  }, [session, phone]);

  // Each login starts on its first screen (the workspace for a supervising role); a reload of this tab on
  // the screen and task it showed (a call does not survive it: the phone starts afresh, the seat keeps the
  // task's draft and its notes).
  useEffect(() => {
    if (!session) return;
    seatLanguageApplied.current = true;
    if (shownFor.current === session.agentId) return;
    shownFor.current = session.agentId;
    const kept = restore.current;
    restore.current = null;
    const views = viewsOf(session);
    const keptView = views.find((v) => v === kept?.view);
    if (kept && kept.agentId === session.agentId && keptView) {
      setView(keptView);
      setOpenTaskId(kept.taskId);
    } else setView(views[0] ?? 'worklist');
  }, [session]);

  // Where the agent is, for a reload of this tab.
  useEffect(() => {
    if (session) keepScreen({ agentId: session.agentId, view, taskId: openTaskId });
  }, [session, view, openTaskId]);

  // Just logged in: focus goes to the first screen's main content (the worklist for an agent), not <body>.
  useEffect(() => {
    if (!session || !focusAfterLogin.current || view !== (viewsOf(session)[0] ?? 'worklist')) return;
    focusAfterLogin.current = false;
    focusMain();
  }, [session, view]);

  /** The task opened by 自动下一个, whose call panel counts down to its dial (preview dialling). */
  const [previewTaskId, setPreviewTaskId] = useState<string | null>(null);
  /** After a commit: the first task of the worklist other than the one just done (`preview`: 自动下一个). */
  const openNext = async (doneId: string, preview = false) => {
    try {
      // In the order the agent chose for the worklist, as the list shows it.
      const list = await call(seat, 'worklist.list', { limit: 2, sort: savedSort() });
      const next = list.items.find((i) => i.taskId !== doneId)?.taskId ?? null;
      setPreviewTaskId(preview ? next : null);
      setOpenTaskId(next);
    } catch {
      setOpenTaskId(null);
    }
  };

  const saveLanguage = (lng: Language) => void call(seat, 'settings.set', { key: 'ui.language', value: lng });

  let body: React.ReactNode;
  if (session === undefined) body = <main className="splash">{t('worklist.loading')}</main>;
  else if (session === null) {
    body = (
      <Login
        info={info}
        onLoggedIn={(s) => {
          focusAfterLogin.current = true;
          setSession(s);
          void keepToken(seat);
        }}
        onLanguage={(lng) => {
          pickedBeforeLogin.current = lng;
        }}
      />
    );
  } else {
    body = (
      <>
        {/* biome-ignore lint/a11y/useValidAnchor: a skip link; focus moves by script, the hash is not a route */}
        <a
          className="skip-link"
          href="#main"
          onClick={(e) => {
            e.preventDefault();
            focusMain();
          }}
        >
          {t('nav.skipToMain')}
        </a>
        <header className="top-bar">
          <span className="brand">{t('app.title')}</span>
          <nav aria-label={t('nav.main')}>
            {viewsOf(session).map((v) => (
              <button
                key={v}
                type="button"
                aria-current={view === v ? 'page' : undefined}
                onClick={() => setView(v)}
              >
                {t(`nav.${v}`)}
              </button>
            ))}
          </nav>
          <span className="spacer" />
          <LanguageToggle onChange={saveLanguage} />
          <button
            type="button"
            onClick={() => void call(seat, 'session.logout', {}).then(() => setSession(null))}
          >
            {t('nav.logout')}
          </button>
        </header>
        {view === 'review' ? (
          <Review session={session} />
        ) : view === 'recheck' ? (
          <Recheck session={session} />
        ) : view === 'findings' ? (
          <Findings session={session} />
        ) : view === 'reports' ? (
          <Reports session={session} />
        ) : view === 'watch' ? (
          <Watch session={session} />
        ) : view === 'training' ? (
          <Training session={session} />
        ) : view === 'lockouts' ? (
          <main id="main" tabIndex={-1} className="console single">
            <Lockouts session={session} />
          </main>
        ) : view === 'worklist' ? (
          <main id="main" tabIndex={-1} className="console">
            <Worklist onOpen={setOpenTaskId} openTaskId={openTaskId} refresh={refresh} />
            {openTaskId ? (
              <TaskView
                taskId={openTaskId}
                refresh={refresh}
                onNext={(preview) => void openNext(openTaskId, preview)}
                previewDial={previewTaskId === openTaskId}
                onPreviewDone={() => setPreviewTaskId(null)}
                onClose={() => {
                  setOpenTaskId(null);
                  document.querySelector<HTMLElement>('[role="listbox"]')?.focus();
                }}
              />
            ) : (
              <section className="no-task" aria-label={t('task.noneOpen')}>
                <p>{t('task.noneOpen')}</p>
                <p className="muted">{t('worklist.keyboardHint')}</p>
              </section>
            )}
          </main>
        ) : (
          <main id="main" tabIndex={-1} className="console single">
            {view === 'audit' && <AuditTrail />}
            {view === 'history' && <History />}
            {view === 'recordings' && <Recordings />}
            {view === 'phone' && <PhoneSettings />}
            {view === 'sync' && <SyncSettings />}
          </main>
        )}
      </>
    );
  }
  return (
    <SeatContext.Provider value={seat}>
      <PhoneContext.Provider value={phone}>
        <div className="app">
          {session && (
            <AppointmentReminders
              onOpen={(taskId) => {
                setView('worklist');
                setOpenTaskId(taskId);
              }}
            />
          )}
          {body}
          <StatusBar info={info} session={session ?? null} service={service} />
        </div>
      </PhoneContext.Provider>
    </SeatContext.Provider>
  );
}
