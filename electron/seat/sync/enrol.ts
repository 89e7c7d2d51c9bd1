import { SeatError } from '../../../shared/contract';
import type { SeatStore } from '../store/seat-store';
import { HqClient, HqRefused, HqUnreachable } from './hq-client';
import { caProblem, HqTransport, urlProblem } from './tls';

/**
 * Registers this seat with head office under its own id and branch, with the head-office login of a
 * supervisor or administrator (head office checks the role), and keeps the seat's token. Once — or again
 * (`reenrol`) when head office no longer accepts the seat's token (revoked): head office then issues a new one
 * for the same seat id, and the outbox goes on from where head office's acknowledgement stands, nothing lost.
 */
export async function enrolSeat(
  store: SeatStore,
  hq: { url: string; code: string; password: string; seatName: string; caCertPem?: string | undefined },
  options: { reenrol?: boolean } = {},
): Promise<void> {
  if (store.syncConfig() && !options.reenrol) throw new SeatError('CONFLICT', '本坐席已登记到总部');
  const seat = store.seat();
  if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
  // TLS (issue 14, point 6): HTTPS unless to this computer; a private CA if given; and the key head office
  // presents now, over a connection verified by that CA and its name, is pinned for every later connection.
  const insecure = urlProblem(hq.url);
  if (insecure) throw new SeatError('BAD_REQUEST', insecure);
  // Enrolled again without a CA given: the one given before still holds (a new key, the same CA).
  const caCertPem = hq.caCertPem?.trim() || (options.reenrol ? store.syncConfig()?.caCertPem : undefined);
  const badCa = caCertPem ? caProblem(caCertPem) : null;
  if (badCa) throw new SeatError('BAD_REQUEST', badCa);
  let pin: string | undefined;
  const transport = new HqTransport({ hqUrl: hq.url, caCertPem }, (seen) => {
    pin ??= seen;
  });
  try {
    const login = await new HqClient(transport).login(hq.code, hq.password);
    const enrolment = await new HqClient(transport, { userToken: login.token }).enrol({
      branchId: seat.branchId,
      name: hq.seatName,
      seatId: seat.id,
    });
    store.setSyncConfig({
      hqUrl: hq.url,
      token: enrolment.token,
      ...(caCertPem ? { caCertPem } : {}),
      ...(pin ? { pin } : {}),
    });
  } catch (error) {
    if (error instanceof HqUnreachable) throw new SeatError('CONFLICT', error.message);
    if (error instanceof HqRefused) throw new SeatError('CONFLICT', `总部拒绝登记：${error.message}`);
    throw error;
  } finally {
    await transport.close();
  }
}

/**
 * A fresh install: never enrolled (no head-office address kept, not even of a revoked or unreadable token) and
 * no agents yet. Only such a seat may be enrolled from the login screen, by head-office credentials alone;
 * otherwise a supervisor or administrator must be logged in at this seat (issue 14).
 */
export function isFirstRun(store: SeatStore): boolean {
  const enrolled = store.db.prepare('SELECT hq_url AS hqUrl FROM sync_state').get() as
    | { hqUrl: string | null }
    | undefined;
  const agents = store.db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number };
  return !enrolled?.hqUrl && agents.n === 0;
}
