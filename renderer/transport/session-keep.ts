/**
 * What a reload (F5) of this window needs to carry on where the agent was: the seat's resume token of the
 * session (`session.resume`) and the screen with its open task. Kept in this tab's sessionStorage, which a
 * reload keeps and closing the tab ends; never in localStorage (it would outlive the tab and be shared by
 * every tab of the seat's origin). The token is single use: each resume hands out the next one.
 */

const TOKEN_KEY = 'seat.resume';
const SCREEN_KEY = 'seat.screen';

/** The screen the agent was on: which view, which task open, whose (never restored for another agent). */
export interface KeptScreen {
  agentId: string;
  view: string;
  taskId: string | null;
}

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage disabled: a reload then shows the login, as it did before.
  }
}

export const keptResumeToken = (): string | null => read(TOKEN_KEY);
export const keepResumeToken = (token: string): void => write(TOKEN_KEY, token);

export function keptScreen(): KeptScreen | null {
  const raw = read(SCREEN_KEY);
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<KeptScreen>;
    if (typeof value.agentId !== 'string' || typeof value.view !== 'string') return null;
    return {
      agentId: value.agentId,
      view: value.view,
      taskId: typeof value.taskId === 'string' ? value.taskId : null,
    };
  } catch {
    return null;
  }
}

export const keepScreen = (screen: KeptScreen): void => write(SCREEN_KEY, JSON.stringify(screen));

/** Logged out, or the session ended: nothing of it stays for a reload. */
export function forgetSession(): void {
  write(TOKEN_KEY, null);
  write(SCREEN_KEY, null);
}
