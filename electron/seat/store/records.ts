import type { DoNotCall, PreferredWindow, Role } from '../../../shared/contract';
import type { CallbackType } from '../../../shared/domain/callback-types';

/**
 * Reference data as it enters the store: from head office's pull, or from the demo generator. Instants are
 * ISO-8601 strings in UTC (`Date.prototype.toISOString()`); ids are UUIDs.
 */
export interface SalespersonRecord {
  id: string;
  code: string;
  name: string;
  branchId: string;
  departedAt: string | null;
}

export interface AgentRecord {
  id: string;
  code: string;
  name: string;
  branchId: string;
  role: Role;
  /**
   * A local seed's offline verifier for the agent (`scrypt$N$r$p$salt$hash` from `hashPassword`): the demo
   * generator and tests only, stored in `offline_verifiers`. Head office's pull never carries one.
   */
  passwordHash?: string;
  /** When the agent is also on the staff list (e.g. once a salesperson): used for recusal. */
  staffId: string | null;
}

export interface CustomerRecord {
  id: string;
  name: string;
  /** 18-character GB 11643 resident ID number. */
  idNumber: string;
  /** 11-digit mobile number. */
  phone: string;
  branchId: string;
  /** The salesperson who serves the customer now. */
  salespersonId: string | null;
  /** The salesperson who brought the customer in. */
  introducerId: string | null;
  openedAt: string | null;
  channel: 'counter' | 'nonsite' | null;
  margin: boolean;
  /** 免打扰 and 偏好时段; absent (an older head office, a seed without them): the seat keeps what it has. */
  doNotCall?: DoNotCall | null | undefined;
  preferredTimes?: PreferredWindow[] | undefined;
}

export interface PurposeRecord {
  type: CallbackType;
  deadlineAt: string;
  reason: string;
  salespersonId: string | null;
}

export interface TaskRecord {
  id: string;
  customerId: string;
  branchId: string;
  /** Null: any agent of the seat's branch may take it. */
  assignedAgentId: string | null;
  status: 'open' | 'closed';
  createdAt: string;
  purposes: PurposeRecord[];
}

export interface ReferenceBatch {
  salespeople: SalespersonRecord[];
  agents: AgentRecord[];
  customers: CustomerRecord[];
  tasks: TaskRecord[];
}
