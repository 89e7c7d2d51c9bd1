import type { Kysely, Transaction } from 'kysely';
import { HQ_MANAGED_SETTINGS, type HqManagedSetting, SETTING_SCHEMAS } from '../shared/contract/settings';
import { parseScript, type Script } from '../shared/scripts/format';
import type { HqSchema } from './db/schema';
import { HqError } from './http/errors';
import { lockBranch, recordChange } from './sync/changes';

type Tx = Transaction<HqSchema> | Kysely<HqSchema>;

/**
 * Publishes a callback script to every branch's seats. Validated as the seat validates it (errors name the
 * script and the step); a version is published once and never changes: other content under a version
 * already published is refused, the same content again is a no-op.
 */
export async function publishScript(
  tx: Tx,
  json: unknown,
  userId: string | null,
  at: string,
): Promise<{ script: Script; published: boolean }> {
  const parsed = parseScript(json, 'script');
  if (!parsed.ok) throw new HqError(400, 'BAD_REQUEST', parsed.error);
  const script = parsed.script;
  const existing = await tx
    .selectFrom('scripts')
    .select('body')
    .where('id', '=', script.id)
    .where('version', '=', script.version)
    .executeTakeFirst();
  if (existing) {
    // JSONB keeps keys in its own order: compare both as the schema orders them.
    const prior = parseScript(existing.body, 'script');
    if (prior.ok && JSON.stringify(prior.script) === JSON.stringify(script))
      return { script, published: false };
    throw new HqError(
      409,
      'BAD_REQUEST',
      `脚本 ${script.id} 的版本 ${script.version} 已发布且内容不同；修改脚本须提高版本号`,
    );
  }
  await tx
    .insertInto('scripts')
    .values({
      id: script.id,
      version: script.version,
      callback_type: script.callbackType,
      body: JSON.stringify(script),
      published_by: userId,
      published_at: at,
    })
    .execute();
  const branches = await tx.selectFrom('branches').select('id').orderBy('id').execute();
  for (const { id } of branches) {
    await lockBranch(tx, id);
    await recordChange(tx, { branchId: id, kind: 'script', entityId: `${script.id}@${script.version}` });
  }
  return { script, published: true };
}

/** Sets one of the settings head office manages for a branch's seats, validated by the seat's own schema. */
export async function setBranchSetting(
  tx: Tx,
  branchId: string,
  key: string,
  value: unknown,
  userId: string | null,
  at: string,
): Promise<void> {
  if (!(HQ_MANAGED_SETTINGS as readonly string[]).includes(key)) {
    throw new HqError(400, 'BAD_REQUEST', `设置项 ${key} 不由总部管理`);
  }
  const parsed = SETTING_SCHEMAS[key as HqManagedSetting].safeParse(value);
  if (!parsed.success) {
    throw new HqError(400, 'BAD_REQUEST', `设置项 ${key} 的值无效：${parsed.error.issues[0]?.message ?? ''}`);
  }
  await tx
    .insertInto('branch_settings')
    .values({
      branch_id: branchId,
      key,
      value: JSON.stringify(parsed.data),
      updated_by: userId,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc
        .columns(['branch_id', 'key'])
        .doUpdateSet({ value: JSON.stringify(parsed.data), updated_by: userId, updated_at: at }),
    )
    .execute();
  await lockBranch(tx, branchId);
  await recordChange(tx, { branchId, kind: 'setting', entityId: key });
}
