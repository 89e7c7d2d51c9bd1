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
} as const;

export type SettingKey = keyof typeof SETTING_SCHEMAS;
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
