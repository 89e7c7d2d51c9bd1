import { SeatError } from '../../../shared/contract';
import type { SeatStore } from '../store/seat-store';
import { HqClient, HqRefused, HqUnreachable } from './hq-client';

/**
 * Registers this seat with head office under its own id and branch, with the head-office login of a
 * supervisor or administrator (head office checks the role), and keeps the seat's token. Once only.
 */
export async function enrolSeat(
  store: SeatStore,
  hq: { url: string; code: string; password: string; seatName: string },
): Promise<void> {
  if (store.syncConfig()) throw new SeatError('CONFLICT', '本坐席已登记到总部');
  const seat = store.seat();
  if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
  try {
    const login = await new HqClient(hq.url).login(hq.code, hq.password);
    const enrolment = await new HqClient(hq.url, { userToken: login.token }).enrol({
      branchId: seat.branchId,
      name: hq.seatName,
      seatId: seat.id,
    });
    store.setSyncConfig({ hqUrl: hq.url, token: enrolment.token });
  } catch (error) {
    if (error instanceof HqUnreachable) throw new SeatError('CONFLICT', error.message);
    if (error instanceof HqRefused) throw new SeatError('CONFLICT', `总部拒绝登记：${error.message}`);
    throw error;
  }
}
