import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { fits, lengthCount } from '../../renderer/components/length';
import { en } from '../../renderer/i18n/en';
import { zhCN } from '../../renderer/i18n/zh-CN';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({
    lng: 'zh-CN',
    fallbackLng: false,
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    interpolation: { escapeValue: false },
  });
});

describe('a length limit said as it is typed (LengthCount)', () => {
  it('counts against the limit with thousands separators, as the contract counts', () => {
    expect(lengthCount('备'.repeat(1980), 2000)).toEqual({ shown: '1,980 / 2,000', over: 0 });
    expect(lengthCount('', 500)).toEqual({ shown: '0 / 500', over: 0 });
    // An emoji is two units to zod's max() as to String.length: counted so, not as one.
    expect(lengthCount('😀', 500).shown).toBe('2 / 500');
    expect(fits('x'.repeat(2000), 2000)).toBe(true);
  });

  it('says by how much a text is over, and refuses it', () => {
    const { shown, over } = lengthCount('x'.repeat(2013), 2000);
    expect([shown, over]).toEqual(['2,013 / 2,000', 13]);
    expect(fits('x'.repeat(2013), 2000)).toBe(false);
    expect(i18n.getFixedT('zh-CN')('length.over', { count: '13', max: '2,000' })).toBe(
      '超出 13 个字（最多 2,000 个字）：请删减后再提交',
    );
    expect(i18n.getFixedT('en')('length.over', { count: '1', max: '500' })).toBe(
      'Too long by 1 (at most 500 characters): shorten it to submit',
    );
  });
});
