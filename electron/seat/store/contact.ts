import {
  CONTACT_REASON_MIN,
  type CustomerContact,
  type DoNotCall,
  type PreferredWindow,
  SeatError,
  type Settings,
} from '../../../shared/contract';
import {
  formatChinaTime,
  formatPreferredTimes,
  inPreferredTimes,
  nextAllowedTime,
} from '../../../shared/domain/preferred-times';
import type { AgentRow } from './agents';
import { type Db, stmt } from './database';
import { appendAudit, enqueue } from './journal';
import { type Actor, assertCustomerVisible } from './tasks';

/**
 * A customer's contact wishes at the seat (issue 16, point 7): 免打扰 and 偏好时段, from head office's pull
 * (reference.ts) or set here by an agent with a reason, audited and sent to head office (outbox `contact`).
 * `dialRefusal` is what `call.start` asks before any number leaves the store.
 */

export function customerContact(db: Db, customerId: string): CustomerContact {
  const row = stmt<[string], { dnc: string | null; preferred: string }>(
    db,
    'SELECT do_not_call AS dnc, preferred_times AS preferred FROM customers WHERE id = ?',
  ).get(customerId);
  if (!row) throw new SeatError('NOT_FOUND', '客户不存在');
  return {
    doNotCall: row.dnc === null ? null : (JSON.parse(row.dnc) as DoNotCall),
    preferredTimes: JSON.parse(row.preferred) as PreferredWindow[],
  };
}

/** Who changes a wish: the actor a query runs for, with their role and name (for 登记人), at the seat's time. */
export interface ContactEditor {
  actor: Actor;
  agent: Pick<AgentRow, 'code' | 'name' | 'role'>;
  seatId: string;
  at: string;
}

const reasonChars = (reason: string) => [...reason.replace(/\s/g, '')].length;

function checkReason(reason: string): string {
  const text = reason.trim();
  if (reasonChars(text) < CONTACT_REASON_MIN) {
    throw new SeatError('BAD_REQUEST', `请填写原因（至少 ${CONTACT_REASON_MIN} 个字）`);
  }
  return text;
}

const SUPERVISING = new Set(['supervisor', 'compliance', 'admin']);

/**
 * Registers (`on`) or lifts 免打扰 for a customer the editor may see, with a reason. Head office's
 * registration (a feed: the customer asked the firm, or compliance decided) is lifted by a supervisor only.
 */
export function setDoNotCall(
  db: Db,
  e: ContactEditor,
  customerId: string,
  on: boolean,
  reason: string,
): CustomerContact {
  const why = checkReason(reason);
  assertCustomerVisible(db, e.actor, customerId);
  const before = customerContact(db, customerId).doNotCall;
  if (!on && before === null) throw new SeatError('CONFLICT', '该客户未登记免打扰');
  if (!on && before?.source === 'hq' && !SUPERVISING.has(e.agent.role)) {
    throw new SeatError('FORBIDDEN', '该客户的免打扰由总部登记，只有主管可以解除');
  }
  const after: DoNotCall | null = on
    ? { source: 'agent', reason: why, by: `${e.agent.name}（${e.agent.code}）`, at: e.at }
    : null;
  stmt(db, 'UPDATE customers SET do_not_call = ? WHERE id = ?').run(
    after === null ? null : JSON.stringify(after),
    customerId,
  );
  appendAudit(
    db,
    e.seatId,
    {
      agentId: e.actor.agentId,
      action: 'customer.doNotCall',
      entityType: 'customer',
      entityId: customerId,
      detail: { on, reason: why, previous: before === null ? null : { source: before.source } },
    },
    e.at,
  );
  enqueue(
    db,
    e.seatId,
    'contact',
    customerId,
    {
      wish: 'doNotCall',
      customerId,
      agentId: e.actor.agentId,
      seatId: e.seatId,
      at: e.at,
      reason: why,
      doNotCall: after,
    },
    e.at,
  );
  return customerContact(db, customerId);
}

/** Sets the customer's preferred times (an empty list lifts them), with a reason. */
export function setPreferredTimes(
  db: Db,
  e: ContactEditor,
  customerId: string,
  windows: PreferredWindow[],
  reason: string,
): CustomerContact {
  const why = checkReason(reason);
  assertCustomerVisible(db, e.actor, customerId);
  const before = customerContact(db, customerId).preferredTimes;
  stmt(db, 'UPDATE customers SET preferred_times = ? WHERE id = ?').run(JSON.stringify(windows), customerId);
  appendAudit(
    db,
    e.seatId,
    {
      agentId: e.actor.agentId,
      action: 'customer.preferredTimes',
      entityType: 'customer',
      entityId: customerId,
      detail: { preferredTimes: windows, previous: before, reason: why },
    },
    e.at,
  );
  enqueue(
    db,
    e.seatId,
    'contact',
    customerId,
    {
      wish: 'preferredTimes',
      customerId,
      agentId: e.actor.agentId,
      seatId: e.seatId,
      at: e.at,
      reason: why,
      preferredTimes: windows,
    },
    e.at,
  );
  return customerContact(db, customerId);
}

export interface DialRefusal {
  rule: 'do_not_call' | 'preferred_times';
  message: string;
  /** Preferred times: the first moment inside them and the calling window, or null when they never meet. */
  nextAllowedAt: string | null;
}

/**
 * Why the customer may not be dialled at `nowMs`, or null: 免打扰 first, then the customer's preferred
 * times. The next allowed time lies inside the calling window too, which applies on top of the customer's wish.
 */
export function dialRefusal(
  contact: CustomerContact,
  nowMs: number,
  calling: Settings['calling.window'],
): DialRefusal | null {
  if (contact.doNotCall) {
    return {
      rule: 'do_not_call',
      message: `客户已登记免打扰（原因：${contact.doNotCall.reason}），不能拨打`,
      nextAllowedAt: null,
    };
  }
  if (inPreferredTimes(nowMs, contact.preferredTimes)) return null;
  const next = nextAllowedTime(nowMs, contact.preferredTimes, calling);
  const times = formatPreferredTimes(contact.preferredTimes);
  return {
    rule: 'preferred_times',
    message:
      next === null
        ? `现在不在客户的偏好时段（${times}）内，且偏好时段与呼叫时段没有重合，请联系主管`
        : `现在不在客户的偏好时段（${times}）内，下次可拨打时间：${formatChinaTime(next)}`,
    nextAllowedAt: next === null ? null : new Date(next).toISOString(),
  };
}
