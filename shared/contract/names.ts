/**
 * The contract's method and event names without their schemas: all that the preload needs, so that its
 * sandboxed bundle stays a few kilobytes instead of carrying zod. `test/shared/contract/names.test.ts` and
 * the type assertions in methods.ts and events.ts keep these lists equal to the keys of METHODS and EVENTS.
 */
export const METHOD_NAMES = [
  'seat.info',
  'session.login',
  'session.logout',
  'session.current',
  'session.resumeToken',
  'session.resume',
  'session.changePassword',
  'worklist.list',
  'task.get',
  'customer.reveal',
  'customer.setDoNotCall',
  'customer.setPreferredTimes',
  'result.commit',
  'history.today',
  'appointments.list',
  'agent.state',
  'agent.setState',
  'script.open',
  'script.answer',
  'script.back',
  'script.notes',
  'call.start',
  'call.end',
  'training.personas',
  'training.clip',
  'recording.start',
  'recording.chunk',
  'recording.mark',
  'recording.finish',
  'recording.list',
  'recording.read',
  'audit.list',
  'settings.get',
  'settings.set',
  'settings.sources',
  'phone.credentials',
  'sync.status',
  'sync.refused',
  'sync.enrol',
  'review.search',
  'review.result',
  'review.playback',
  'review.download',
  'review.hold',
  'review.watch',
  'review.raiseFinding',
  'review.rechecks',
  'review.recheckForm',
  'review.evaluate',
  'review.plans',
  'review.setPlan',
  'review.sample',
  'review.findings',
  'review.findingAct',
  'review.staff',
  'review.report',
  'review.export',
  'review.lockouts',
  'review.unlock',
  'review.training',
] as const;

export const EVENT_NAMES = [
  'session.changed',
  'worklist.changed',
  'outbox.changed',
  'sync.changed',
  'agent.changed',
  'appointments.due',
] as const;

export const isMethodName = (name: unknown): name is (typeof METHOD_NAMES)[number] =>
  typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);

export const isEventName = (name: unknown): name is (typeof EVENT_NAMES)[number] =>
  typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
