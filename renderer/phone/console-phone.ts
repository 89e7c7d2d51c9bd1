/**
 * The phone the console uses: the PBX line (sip-phone.ts) or the training line (training-phone.ts), behind the
 * one `Phone` interface. Which line dials is the seat's (`training.personas`): the training line when an
 * administrator allowed it and no PBX is configured; the agent's pick (`chooseLine`) when both are there; the
 * PBX line otherwise, as before the training line existed. Events are those of the line in use: a change of
 * line emits its registration and call, and a line cannot change while a call is up.
 *
 * The agent's last choices (line, persona) are remembered in this browser's storage; the persona defaults to
 * the cooperative customer (or the first one).
 */
import type { PersonaSummary, SeatBridge, TrainingLineInfo } from '../../shared/contract';
import type { PhoneConfig, PhoneEvents } from '../../shared/phone/service';
import { call } from '../app/seat-context';
import { createPhone, type PhoneDeps, type SipPhone } from './sip-phone';
import { createTrainingPhone, type TrainingPhone, type TrainingProgress } from './training-phone';
import { Emitter } from './util';

export type LineKind = 'pbx' | 'training';

/** The line as the UI shows it. */
export interface LineState {
  /** What the seat said (`training.personas`); null before the agent is logged in or when it cannot say. */
  info: TrainingLineInfo | null;
  /** The line the next dial goes to. */
  kind: LineKind;
  /** Both lines are there: the agent picks (`chooseLine`). */
  choosable: boolean;
  /** The customer the training line's next dial reaches. */
  persona: PersonaSummary | null;
}

export interface ConsolePhone extends SipPhone {
  readonly line: LineState;
  onLine(listener: (line: LineState) => void): () => void;
  /** Ask the seat again which lines there are (after login; `configure()` does it too). */
  refreshLine(): Promise<void>;
  /** The agent's pick when both lines are there (ignored otherwise, and while a call is up). */
  chooseLine(kind: LineKind): void;
  choosePersona(personaId: string): void;
  /** The simulated customer's progress in the training line's current or last call. */
  readonly progress: TrainingProgress | null;
  onProgress(listener: (progress: TrainingProgress | null) => void): () => void;
  /** The agent recorded a script answer (the training line's customer may go on; nothing on the PBX line). */
  scriptAnswered(): void;
}

const LINE_KEY = 'callback-console.line';
const PERSONA_KEY = 'callback-console.training.persona';
const DEFAULT_PERSONA = 'cooperative';

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // No storage (a private window's quota): the choice lasts for this window only.
  }
}

export function createConsolePhone(
  seat: SeatBridge,
  deps: PhoneDeps & { sip?: SipPhone; training?: TrainingPhone } = {},
): ConsolePhone {
  const sip = deps.sip ?? createPhone(seat, deps);
  const training = deps.training ?? createTrainingPhone(seat, null, deps);
  const events = new Emitter<PhoneEvents & { line: LineState }>();
  let info: TrainingLineInfo | null = null;
  let picked: LineKind = stored(LINE_KEY) === 'training' ? 'training' : 'pbx';
  let personaId = stored(PERSONA_KEY);

  const lineOf = (): LineState => {
    const allowed = info?.allowed === true && info.personas.length > 0;
    const choosable = allowed && info?.pbxConfigured === true;
    const kind: LineKind = !allowed ? 'pbx' : choosable ? picked : 'training';
    const personas = info?.personas ?? [];
    const persona =
      personas.find((p) => p.id === personaId) ??
      personas.find((p) => p.id === DEFAULT_PERSONA) ??
      personas[0] ??
      null;
    return { info, kind, choosable, persona };
  };
  let line = lineOf();
  const active = (): SipPhone => (line.kind === 'training' ? training : sip);
  const live = () => {
    const c = active().call;
    return c !== null && c.phase !== 'ended';
  };

  /** The line again from what is known: the phones' events follow the line in use. */
  const update = () => {
    const before = line;
    line = lineOf();
    training.setPersona(line.persona);
    if (before.kind !== line.kind) {
      events.emit('registration', active().registration);
      events.emit('call', active().call);
    }
    events.emit('line', line);
  };

  sip.on('registration', (r) => line.kind === 'pbx' && events.emit('registration', r));
  sip.on('call', (c) => line.kind === 'pbx' && events.emit('call', c));
  training.on('call', (c) => line.kind === 'training' && events.emit('call', c));
  // Levels and quality come only from the phone in a call, whichever it is.
  for (const phone of [sip, training]) {
    phone.on('inputLevel', (v) => events.emit('inputLevel', v));
    phone.on('remoteLevel', (v) => events.emit('remoteLevel', v));
    phone.on('quality', (v) => events.emit('quality', v));
  }

  const refreshLine = async () => {
    try {
      info = await call(seat, 'training.personas', {});
    } catch {
      // A seat that cannot say (not logged in, or older): the PBX line, as before.
      info = null;
    }
    // A line does not change under a call; it will at the next refresh.
    if (live()) return;
    update();
  };

  return {
    get registration() {
      return active().registration;
    },
    get call() {
      return active().call;
    },
    get line() {
      return line;
    },
    get progress() {
      return training.progress;
    },
    onLine: (listener) => events.on('line', listener),
    onProgress: (listener) => training.onProgress(listener),
    refreshLine,

    chooseLine(kind) {
      if (!line.choosable || live() || kind === picked) return;
      picked = kind;
      store(LINE_KEY, kind);
      update();
    },
    choosePersona(id) {
      if (training.call && training.call.phase !== 'ended') return;
      personaId = id;
      store(PERSONA_KEY, id);
      update();
    },

    async configure(config: PhoneConfig) {
      await Promise.all([sip.configure(config), training.configure(config)]);
      await refreshLine();
    },
    dial: (taskId) => active().dial(taskId),
    hangup: () => active().hangup(),
    setMuted: (muted) => active().setMuted(muted),
    setHeld: (held) => active().setHeld(held),
    sendDtmf: (digit) => active().sendDtmf(digit),
    mark: (label) => active().mark(label),
    scriptAnswered() {
      if (line.kind === 'training') training.scriptAnswered();
    },
    clear: () => active().clear(),
    on: (event, listener) => events.on(event, listener),

    async close() {
      await Promise.all([sip.close(), training.close()]);
      info = null;
      update();
    },
  };
}
