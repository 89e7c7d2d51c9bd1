/**
 * A seat in its own process, for the loops that SIGKILL it (`node --import tsx test/faults/seat-driver.ts
 * '{"mode":…}'`). It prints one line per event, each after the fact it reports is committed:
 *   ready                 the seat is open (recovery after the last kill done)
 *   A <id> | R <id>       an audit fact / a result committed (its transaction returned)
 *   round <n>             a sync round starts (mode sync)
 *   synced <pending>      the round ended; `failed <message>` when it threw
 * Modes: `commit` commits for ever (a seat without head office: its own branch and tasks); `sync` commits a
 * batch, then runs a sync round, for ever. Bounded by `max` lines so that an orphan ends by itself.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, smallBranch } from '../support/fixtures';
import { addTask } from '../support/script';
import { type Done, work } from './work';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  mode: 'commit' | 'sync';
  dbPath: string;
  batch?: number;
  max?: number;
};
const out = (line: string) => process.stdout.write(`${line}\n`);
const seat = Seat.open({ dbPath: args.dbPath, appVersion: 'fault-driver', onDefect: () => {} });
const store = seat.store;
let agentId: string | null = null;
let customerId: string | null = null;
if (args.mode === 'commit') {
  if (!store.seat()) {
    store.ensureSeat(BRANCH);
    const branch = await smallBranch();
    store.importReferenceData(branch.batch);
  }
  agentId = store.agentByCode('A001')?.id ?? null;
  customerId = (store.db.prepare('SELECT id FROM customers LIMIT 1').get() as { id: string }).id;
} else {
  agentId = store.agentByCode('A001')?.id ?? null;
}
const counter = {
  i: (
    store.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind IN ('audit', 'result')").get() as {
      n: number;
    }
  ).n,
};
const report = (d: Done) => out(`${d.kind === 'audit' ? 'A' : 'R'} ${d.id}`);
out('ready');
const max = args.max ?? 1_000_000;
for (let n = 0; n < max; n++) {
  if (args.mode === 'commit') {
    work(store, 10, {
      agentId,
      resultEvery: 4,
      newTask: () => addTask(store, customerId ?? '', [{ type: 'notification' }]),
      counter,
      done: report,
    });
    // The event loop runs between batches: the store's idle checkpoint, as in the seat.
    await tick();
  } else {
    work(store, args.batch ?? 40, { agentId, resultEvery: 10, counter, done: report });
    out(`round ${n}`);
    try {
      await seat.sync.round();
      out(`synced ${store.outboxStatus().pending}`);
    } catch (error) {
      out(`failed ${(error as Error).message}`);
    }
  }
}
seat.close();
