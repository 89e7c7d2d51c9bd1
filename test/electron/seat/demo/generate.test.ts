import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateDemoBranch } from '../../../../electron/seat/demo/generate';
import type { CustomerRecord, PurposeRecord, TaskRecord } from '../../../../electron/seat/store/records';
import { CALLBACK_TYPES } from '../../../../shared/domain/callback-types';
import { idNumberSex, isValidIdNumber } from '../../../../shared/domain/id-number';
import { isMobileNumber } from '../../../../shared/domain/phone';

// Not a real scrypt hash: the generator only copies it, and hashing here would slow the suite for nothing.
const HASH = 'scrypt$16$1$1$c2FsdA==$aGFzaA==';
/** Friday 2026-11-20 14:30 in Shanghai. */
const NOW = new Date('2026-11-20T06:30:00Z');
const batch = generateDemoBranch({ seed: 42, now: NOW, passwordHash: HASH });

// Branch-local (UTC+8) arithmetic, written again here rather than imported so a bug in the generator's calendar
// can't hide behind the same bug in the check.
const DAY = 86_400_000;
const H8 = 8 * 3_600_000;
const dayOfMs = (ms: number) => Math.floor((ms + H8) / DAY);
const endOf = (day: number) => (day + 1) * DAY - H8 - 1000;
const minuteOf = (ms: number) => Math.floor(((ms + H8) % DAY) / 60_000);
const isWeekend = (day: number) => [0, 6].includes(new Date(day * DAY).getUTCDay());
const ms = (iso: string) => Date.parse(iso);

function ageAt(idNumber: string, now: Date): number {
  const local = new Date(now.getTime() + H8);
  const [y, m, d] = [
    Number(idNumber.slice(6, 10)),
    Number(idNumber.slice(10, 12)),
    Number(idNumber.slice(12, 14)),
  ];
  const [ny, nm, nd] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
  return ny - y - (nm < m || (nm === m && nd < d) ? 1 : 0);
}

/** The deadline the rules of DOMAIN.md give this purpose, or a range where the rule allows one. */
function checkDeadline(b: typeof batch, task: TaskRecord, p: PurposeRecord): void {
  const customer = b.customers.find((c) => c.id === task.customerId) as CustomerRecord;
  const deadline = ms(p.deadlineAt);
  const created = ms(task.createdAt);
  const after = (days: number) => endOf(dayOfMs(created) + days);
  const where = `${p.type} of task ${task.id}`;
  switch (p.type) {
    case 'nonsite_qualification': {
      expect(customer.channel, where).toBe('nonsite');
      const opened = ms(customer.openedAt as string);
      const day = dayOfMs(opened);
      const minute = minuteOf(opened);
      if (!isWeekend(day) && minute >= 9 * 60 && minute < 16 * 60) {
        expect(deadline, where).toBe(endOf(day));
      } else {
        expect(deadline, where).toBe(endOf(dayOfMs(deadline)));
        expect(dayOfMs(deadline) - day, where).toBeGreaterThanOrEqual(0);
        expect(dayOfMs(deadline) - day, where).toBeLessThanOrEqual(3);
      }
      return;
    }
    case 'new_account':
      expect(deadline, where).toBe(endOf(dayOfMs(ms(customer.openedAt as string)) + 14));
      return;
    case 'abnormal': {
      const day = dayOfMs(deadline);
      expect(deadline, where).toBe(endOf(day));
      expect(isWeekend(day), where).toBe(false);
      let weekdays = 0;
      for (let d = dayOfMs(created) + 1; d <= day; d++) if (!isWeekend(d)) weekdays++;
      expect(weekdays, where).toBe(2);
      return;
    }
    case 'aml':
      expect(deadline, where).toBe(after(10));
      return;
    case 'satisfaction':
    case 'advisory':
      expect(deadline, where).toBe(after(30));
      return;
    case 'notification':
      expect(deadline, where).toBe(after(5));
      return;
    case 'complaint':
      expect(deadline, where).toBe(after(7));
      return;
    case 'salesperson_departure': {
      const s = b.salespeople.find((x) => x.id === p.salespersonId);
      expect(s?.departedAt, where).toBeTruthy();
      expect([customer.salespersonId, customer.introducerId], where).toContain(p.salespersonId);
      expect(deadline, where).toBe(endOf(dayOfMs(ms(s?.departedAt as string)) + 10));
      return;
    }
  }
}

describe('generateDemoBranch', () => {
  it('is deterministic for a seed and a now, and differs for another seed', () => {
    expect(generateDemoBranch({ seed: 42, now: NOW, passwordHash: HASH })).toEqual(batch);
    const other = generateDemoBranch({ seed: 43, now: NOW, passwordHash: HASH });
    expect(other.customers[0]?.id).not.toBe(batch.customers[0]?.id);
    expect(other).not.toEqual(batch);
  });

  it('makes a branch of the expected size and shape', () => {
    expect(batch.branchName).toMatch(/营业部$/);
    expect(batch.salespeople).toHaveLength(25);
    expect(batch.salespeople.filter((s) => s.departedAt !== null).length).toBeGreaterThanOrEqual(2);
    expect(batch.agents).toHaveLength(8);
    expect(batch.agents.filter((a) => a.role === 'supervisor')).toHaveLength(1);
    expect(batch.agents.filter((a) => a.role === 'agent')).toHaveLength(7);
    expect(new Set(batch.agents.map((a) => a.code)).size).toBe(8);
    for (const a of batch.agents) expect(a.passwordHash).toBe(HASH);
    expect(batch.customers).toHaveLength(2000);
    const open = batch.tasks.filter((t) => t.status === 'open');
    expect(open.length / 2000).toBeGreaterThanOrEqual(0.3);
    expect(open.length / 2000).toBeLessThanOrEqual(0.4);
    expect(batch.tasks.some((t) => t.status === 'closed')).toBe(true);
    const withSalesperson = batch.customers.filter(
      (c) => c.salespersonId !== null || c.introducerId !== null,
    );
    expect(withSalesperson.length / 2000).toBeGreaterThan(0.5);
    expect(withSalesperson.length / 2000).toBeLessThan(0.7);
    const small = generateDemoBranch({
      seed: 1,
      now: NOW,
      customers: 300,
      branchId: 'B9',
      passwordHash: HASH,
    });
    expect(small.customers).toHaveLength(300);
    expect(small.tasks.every((t) => t.branchId === 'B9')).toBe(true);
  });

  it('uses UUIDs for every id, keeps references whole and instants in UTC and not after now', () => {
    const ids = [
      ...batch.salespeople.map((s) => s.id),
      ...batch.agents.map((a) => a.id),
      ...batch.customers.map((c) => c.id),
      ...batch.tasks.map((t) => t.id),
    ];
    for (const id of ids) expect(z.uuid().safeParse(id).success, id).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const salespeople = new Set(batch.salespeople.map((s) => s.id));
    const customers = new Set(batch.customers.map((c) => c.id));
    const agents = new Set(batch.agents.map((a) => a.id));
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const past = (v: string | null) => {
      if (v === null) return;
      expect(v).toMatch(iso);
      expect(ms(v)).toBeLessThanOrEqual(NOW.getTime());
    };
    for (const s of batch.salespeople) past(s.departedAt);
    for (const c of batch.customers) {
      past(c.openedAt);
      for (const ref of [c.salespersonId, c.introducerId])
        if (ref !== null) expect(salespeople.has(ref)).toBe(true);
    }
    const openPerCustomer = new Map<string, number>();
    for (const t of batch.tasks) {
      past(t.createdAt);
      expect(customers.has(t.customerId)).toBe(true);
      if (t.assignedAgentId !== null) expect(agents.has(t.assignedAgentId)).toBe(true);
      for (const p of t.purposes) {
        expect(p.deadlineAt).toMatch(iso);
        if (p.salespersonId !== null) expect(salespeople.has(p.salespersonId)).toBe(true);
        expect(p.reason).toMatch(/\p{Script=Han}/u);
      }
      if (t.status === 'open')
        openPerCustomer.set(t.customerId, (openPerCustomer.get(t.customerId) ?? 0) + 1);
    }
    expect(Math.max(...openPerCustomer.values())).toBe(1);
  });

  it('gives every customer a valid, unique ID number of a living adult, with both sexes balanced', () => {
    const ids = batch.customers.map((c) => c.idNumber);
    for (const id of ids) {
      expect(isValidIdNumber(id), id).toBe(true);
      const age = ageAt(id, NOW);
      expect(age, id).toBeGreaterThanOrEqual(18);
      expect(age, id).toBeLessThanOrEqual(85);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const men = ids.filter((id) => idNumberSex(id) === 'male').length / ids.length;
    expect(men).toBeGreaterThan(0.45);
    expect(men).toBeLessThan(0.55);
  });

  it('gives valid unique mobile numbers and Chinese names of 2–4 characters', () => {
    const phones = batch.customers.map((c) => c.phone);
    for (const phone of phones) expect(isMobileNumber(phone), phone).toBe(true);
    expect(new Set(phones).size).toBe(phones.length);
    const names = [...batch.customers, ...batch.agents, ...batch.salespeople].map((x) => x.name);
    for (const name of names) expect(name).toMatch(/^\p{Script=Han}{2,4}$/u);
    // Two-character surnames are rare but present.
    expect(batch.customers.some((c) => /^(欧阳|司马|诸葛|上官|东方|皇甫)/.test(c.name))).toBe(true);
  });

  it('covers each of the nine callback types at least 20 times', () => {
    const counts = new Map<string, number>();
    for (const t of batch.tasks)
      for (const p of t.purposes) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
    for (const type of CALLBACK_TYPES) expect(counts.get(type) ?? 0, type).toBeGreaterThanOrEqual(20);
  });

  it.each([
    ['a Friday afternoon', 42, NOW],
    ['a Sunday morning', 7, new Date('2026-11-22T01:00:00Z')],
    ['a Monday before opening', 99, new Date('2027-03-01T23:10:00Z')],
  ])('follows the deadline rules of every purpose on %s', (_label, seed, now) => {
    const b = generateDemoBranch({ seed, now, passwordHash: HASH });
    for (const t of b.tasks) for (const p of t.purposes) checkDeadline(b, t, p);
  });

  it('calls back every customer of a departed salesperson', () => {
    const departed = new Set(batch.salespeople.filter((s) => s.departedAt !== null).map((s) => s.id));
    const owed = batch.customers.filter((c) =>
      [c.salespersonId, c.introducerId].some((id) => id && departed.has(id)),
    );
    expect(owed.length).toBeGreaterThan(0);
    for (const c of owed) {
      const purposes = batch.tasks.filter((t) => t.customerId === c.id).flatMap((t) => t.purposes);
      expect(purposes.some((p) => p.type === 'salesperson_departure')).toBe(true);
    }
  });

  it('merges several purposes into one task, never the same type twice and never more than three', () => {
    const multi = batch.tasks.filter((t) => t.purposes.length >= 2);
    expect(multi.length).toBeGreaterThanOrEqual(20);
    expect(batch.tasks.some((t) => t.purposes.length === 3)).toBe(true);
    for (const t of batch.tasks) {
      expect(t.purposes.length).toBeGreaterThanOrEqual(1);
      expect(t.purposes.length).toBeLessThanOrEqual(3);
      expect(new Set(t.purposes.map((p) => p.type)).size).toBe(t.purposes.length);
    }
  });

  it('spreads open deadlines over overdue, due today and later', () => {
    const today = dayOfMs(NOW.getTime());
    const buckets = { overdue: 0, today: 0, later: 0 };
    for (const t of batch.tasks.filter((x) => x.status === 'open')) {
      for (const p of t.purposes) {
        const deadline = ms(p.deadlineAt);
        if (deadline < NOW.getTime()) buckets.overdue++;
        else if (dayOfMs(deadline) === today) buckets.today++;
        else buckets.later++;
      }
    }
    expect(buckets.overdue).toBeGreaterThanOrEqual(20);
    expect(buckets.today).toBeGreaterThanOrEqual(20);
    expect(buckets.later).toBeGreaterThanOrEqual(20);
  });

  // A newcomer meets a normal working day whatever the date of the first start: a few callbacks overdue, some
  // due today, most ahead (by task: a task is due when its earliest purpose is).
  it.each([
    ['a Wednesday morning in December', new Date('2026-12-02T02:00:00Z')],
    ['the Spring Festival week', new Date('2027-02-10T02:00:00Z')],
    ['a leap day at noon', new Date('2028-02-29T04:00:00Z')],
    ['the day the tests run', new Date()],
  ])('is generated around its first start: on %s few tasks are overdue', (_label, now) => {
    const b = generateDemoBranch({ seed: 20261126, now, passwordHash: HASH });
    const today = dayOfMs(now.getTime());
    const counts = { overdue: 0, today: 0, ahead: 0 };
    const open = b.tasks.filter((t) => t.status === 'open');
    for (const t of open) {
      const due = Math.min(...t.purposes.map((p) => ms(p.deadlineAt)));
      if (due < now.getTime()) counts.overdue++;
      else if (dayOfMs(due) === today) counts.today++;
      else counts.ahead++;
    }
    expect(open.length).toBeGreaterThan(500);
    expect(counts.overdue / open.length).toBeLessThan(0.1);
    expect(counts.overdue).toBeGreaterThan(0);
    expect(counts.today).toBeGreaterThanOrEqual(20);
    expect(counts.ahead).toBeGreaterThan(open.length / 2);
    // History: callbacks done over the past weeks, none in the future.
    const closed = b.tasks.filter((t) => t.status === 'closed').map((t) => ms(t.createdAt));
    expect(closed.filter((c) => c > now.getTime() - 28 * DAY).length).toBeGreaterThan(10);
    expect(Math.max(...closed)).toBeLessThanOrEqual(now.getTime());
  });

  it('leaves most open tasks unassigned and never assigns a customer to their own salesperson', () => {
    const open = batch.tasks.filter((t) => t.status === 'open');
    const assigned = open.filter((t) => t.assignedAgentId !== null);
    expect(assigned.length).toBeGreaterThan(0);
    expect(assigned.length / open.length).toBeLessThan(0.5);
    const recusing = batch.agents.filter((a) => a.staffId !== null);
    expect(recusing).toHaveLength(1);
    const agent = recusing[0];
    const theirs = new Set(
      batch.customers
        .filter((c) => c.salespersonId === agent?.staffId || c.introducerId === agent?.staffId)
        .map((c) => c.id),
    );
    const withTasks = batch.tasks.filter((t) => theirs.has(t.customerId));
    expect(
      batch.customers.some(
        (c) => c.salespersonId === agent?.staffId && withTasks.some((t) => t.customerId === c.id),
      ),
    ).toBe(true);
    for (const t of withTasks) expect(t.assignedAgentId).not.toBe(agent?.id);
  });
});
