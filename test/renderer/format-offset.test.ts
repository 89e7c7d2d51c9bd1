import { describe, expect, it } from 'vitest';
import { formatOffset } from '../../renderer/app/format';

describe('a clock offset as the status bar and 坐席与时限 say it', () => {
  it.each([
    [-480_000, '8 分', '8 min'],
    [-479_400, '8 分', '8 min'],
    [480_600, '8 分', '8 min'],
    [8 * 3600_000, '8 小时', '8 h'],
    [-(72 * 3600_000 + 3 * 60_000 + 20_000), '72 小时 3 分', '72 h 3 min'],
    [45_200, '45 秒', '45 s'],
    [59_700, '1 分', '1 min'],
    [0, '0 秒', '0 s'],
  ])('%i ms: %s', (ms, zh, en) => {
    expect(formatOffset(ms, 'zh-CN')).toBe(zh);
    expect(formatOffset(ms, 'en')).toBe(en);
  });
});
