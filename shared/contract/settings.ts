import { z } from 'zod';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM');

/**
 * Per-seat settings, each key with its own schema and default. A key not listed here cannot be stored.
 * Later issues add the SIP account and devices here.
 */
export const SETTING_SCHEMAS = {
  /** Interface language; Chinese unless the agent picks English. */
  'ui.language': z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** Local times in which customers may be called (DOMAIN "don't annoy the customer"). */
  'calling.window': z
    .array(z.object({ start: HHMM, end: HHMM }).refine((w) => w.start < w.end, '开始时间须早于结束时间'))
    .min(1)
    .max(6)
    .default([
      { start: '09:00', end: '11:30' },
      { start: '13:00', end: '20:00' },
    ]),
  /** Dial attempts before an unreached customer may be closed as unreachable. */
  'retry.maxAttempts': z.number().int().min(1).max(10).default(3),
  /**
   * Days a recording stays on this seat after head office confirmed it holds the verified copy; never removed
   * before that, whatever its age.
   */
  'recordings.retentionDays': z.number().int().min(0).max(3650).default(30),

  /** The PBX's SIP WebSocket; '' until an administrator sets it (the phone shows "not configured"). */
  'sip.wsUrl': z
    .union([z.literal(''), z.url({ protocol: /^wss?$/, error: 'SIP 服务器地址须以 ws:// 或 wss:// 开头' })])
    .default(''),
  /** The seat's SIP address of record, e.g. sip:8001@pbx.example. */
  'sip.uri': z
    .union([z.literal(''), z.string().regex(/^sips?:[^@\s]+@[^@\s]+$/, 'SIP 地址格式应为 sip:用户@域名')])
    .default(''),
  /** Digest authorisation user; '' when the PBX does not challenge. */
  'sip.authUser': z.string().max(64).default(''),
  'sip.password': z.string().max(128).default(''),
  'sip.displayName': z.string().max(64).default(''),
  /** STUN/TURN servers; empty on a LAN where the PBX is reachable directly. */
  'sip.iceServers': z
    .array(
      z.object({
        urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
        username: z.string().optional(),
        credential: z.string().optional(),
      }),
    )
    .max(8)
    .default([]),
  /** How long to gather ICE candidates before sending the INVITE (sip.js waits 5 s by default). */
  'sip.iceGatheringTimeoutMs': z.number().int().min(20).max(10_000).default(500),
  /** The reasons an agent may give for a break (小休), as the branch configures them. */
  'agent.breakReasons': z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(16)
        .regex(/^[^\p{Cc}]*$/u, '小休原因不能含控制字符'),
    )
    .min(1)
    .max(12)
    .default(['休息', '用餐', '培训', '会议', '其他']),
  /**
   * After-call work (话后处理) ends by itself this long after a call ends, if the agent has not committed the
   * result by then (the wrap-up stays open; the agent is shown as ready again). 0: no limit.
   */
  'agent.afterCallWorkSec': z.number().int().min(0).max(1800).default(120),
  /**
   * Preview dialling: with 自动下一个 on, the next task opens after a commit and is dialled after this many
   * seconds unless the agent stops the countdown.
   */
  'dial.previewSec': z.number().int().min(3).max(60).default(10),
  /** The agent's own choice: open (and, after the countdown, dial) the next task after each commit. */
  'dial.autoNext': z.boolean().default(false),
  /** A dial not answered within this is cancelled and counts as "no answer". */
  'sip.ringTimeoutSec': z.number().int().min(10).max(180).default(45),
  /**
   * An answered call with no RTP from the customer this long ends as 通话中断 (a far end gone without a BYE,
   * media that never flowed). ICE `failed` ends it at once.
   */
  'sip.deadCallSec': z.number().int().min(5).max(120).default(20),
  /** The agent is warned once the customer's channel has been silent this long (no call is ended for it). */
  'sip.silenceWarnSec': z.number().int().min(3).max(60).default(10),
  /** Outside-line prefix for numbers that are not mainland mobiles ('' for none). */
  'dial.outsidePrefix': z
    .string()
    .regex(/^[\d*#]*$/, '外线前缀只能包含数字、* 和 #')
    .max(8)
    .default(''),
  /** Whether mobiles get the outside-line prefix too. */
  'dial.prefixMobiles': z.boolean().default(false),
  /**
   * Whether agents at this seat may practise on the training line (演练线路, simulated customers, never
   * evidence): an administrator's choice, off unless set (on in `npm start`'s demo). With no PBX configured the
   * training line is then the seat's line; with one, the agent picks it per call.
   */
  'training.enabled': z.boolean().default(false),
  'audio.echoCancellation': z.boolean().default(true),
  'audio.noiseSuppression': z.boolean().default(true),
  'audio.autoGainControl': z.boolean().default(true),
  /** '' for the system default device. */
  'audio.inputDeviceId': z.string().max(256).default(''),
  'audio.outputDeviceId': z.string().max(256).default(''),
} as const;

export type SettingKey = keyof typeof SETTING_SCHEMAS;

/**
 * Who may change a setting at the seat (issue 14, point 4). `personal`: any logged-in user (audio devices and
 * preferences of the one at the desk). `managed`: only a supervisor or administrator logged in at this seat —
 * everything that decides where calls and data go (PBX, SIP account, ICE servers, dialling rules) or what the
 * compliance rules are (calling hours, attempts, retention). An agent sees these read-only.
 */
export const SETTING_ACCESS = {
  'ui.language': 'personal',
  'calling.window': 'managed',
  'retry.maxAttempts': 'managed',
  'recordings.retentionDays': 'managed',
  'sip.wsUrl': 'managed',
  'sip.uri': 'managed',
  'sip.authUser': 'managed',
  'sip.password': 'managed',
  'sip.displayName': 'managed',
  'sip.iceServers': 'managed',
  'sip.iceGatheringTimeoutMs': 'managed',
  'sip.ringTimeoutSec': 'managed',
  'sip.deadCallSec': 'managed',
  'agent.breakReasons': 'managed',
  'agent.afterCallWorkSec': 'managed',
  'dial.previewSec': 'managed',
  'dial.autoNext': 'personal',
  'sip.silenceWarnSec': 'managed',
  'dial.outsidePrefix': 'managed',
  'dial.prefixMobiles': 'managed',
  'training.enabled': 'managed',
  'audio.echoCancellation': 'personal',
  'audio.noiseSuppression': 'personal',
  'audio.autoGainControl': 'personal',
  'audio.inputDeviceId': 'personal',
  'audio.outputDeviceId': 'personal',
} as const satisfies Record<keyof typeof SETTING_SCHEMAS, 'personal' | 'managed'>;

export const isManagedSetting = (key: keyof typeof SETTING_SCHEMAS): boolean =>
  SETTING_ACCESS[key] === 'managed';

/** The roles that may change a managed setting at the seat. */
export const SETTING_MANAGERS = ['supervisor', 'admin'] as const;

/**
 * What `settings.get` gives in place of a credential that is set (the SIP password, a TURN server's
 * credential): the renderer never reads them through settings. Given back to `settings.set` it means "keep
 * the one stored". The phone gets them from `phone.credentials`.
 */
export const SECRET_MASK = '********';

/**
 * The settings head office manages per branch and sends with each pull; the rest belong to the seat. One
 * head office has set for the branch wins over the seat's own: the seat keeps both, reads head office's, and
 * refuses a change of it at the seat (`settings.sources` names them). The SIP account is per seat and stays
 * the seat's (its supervisor's) to set.
 */
export const HQ_MANAGED_SETTINGS = [
  'calling.window',
  'retry.maxAttempts',
  'recordings.retentionDays',
  'sip.wsUrl',
  'sip.iceServers',
  'sip.iceGatheringTimeoutMs',
  'sip.ringTimeoutSec',
  'sip.deadCallSec',
  'sip.silenceWarnSec',
  'agent.breakReasons',
  'agent.afterCallWorkSec',
  'dial.previewSec',
  'dial.outsidePrefix',
  'dial.prefixMobiles',
  'training.enabled',
] as const;
export type HqManagedSetting = (typeof HQ_MANAGED_SETTINGS)[number];
export type Settings = { [K in SettingKey]: z.output<(typeof SETTING_SCHEMAS)[K]> };
export const SettingKey = z.enum(Object.keys(SETTING_SCHEMAS) as [SettingKey, ...SettingKey[]]);

export const Settings: z.ZodType<Settings> = z.object(SETTING_SCHEMAS) as unknown as z.ZodType<Settings>;

/** `settings.set` takes one key and its value, validated by that key's schema. */
export const SetSettingArgs = z.discriminatedUnion(
  'key',
  (Object.keys(SETTING_SCHEMAS) as SettingKey[]).map((key) =>
    z.object({ key: z.literal(key), value: SETTING_SCHEMAS[key].unwrap() }),
  ) as unknown as [z.ZodObject<{ key: z.ZodLiteral<SettingKey>; value: z.ZodType }>],
);
export type SetSettingArgs = { [K in SettingKey]: { key: K; value: Settings[K] } }[SettingKey];

/** What `phone.credentials` gives the renderer's phone, in clear. */
export const PhoneCredentials = z.object({
  password: SETTING_SCHEMAS['sip.password'].unwrap(),
  iceServers: SETTING_SCHEMAS['sip.iceServers'].unwrap(),
});
export type PhoneCredentials = z.infer<typeof PhoneCredentials>;
