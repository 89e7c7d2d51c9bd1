import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/en';
import { zhCN } from '../../renderer/i18n/zh-CN';
import { registrationText } from '../../renderer/phone/registration';
import type { Registration } from '../../shared/phone/service';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({
    lng: 'zh-CN',
    fallbackLng: false,
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    interpolation: { escapeValue: false },
  });
});

/** What the status bar shows after 电话：, in the language asked for. */
function said(registration: Registration, lng = 'zh-CN'): string {
  const { key, values } = registrationText(registration);
  const text = i18n.getFixedT(lng)(key, values);
  if (text === key) throw new Error(`no ${lng} text for ${key}`);
  return text;
}

describe('the phone line in the status bar', () => {
  it('tells a wrong password (401, 407) from a forbidden account (403), with the SIP code', () => {
    expect(said({ state: 'failed', problem: 'auth_failed', sipCode: 401 })).toBe(
      '认证失败（SIP 401：用户名或密码错误）',
    );
    expect(said({ state: 'failed', problem: 'auth_failed', sipCode: 407 })).toBe(
      '认证失败（SIP 407：用户名或密码错误）',
    );
    const forbidden = said({ state: 'failed', problem: 'auth_failed', sipCode: 403 });
    expect(forbidden).toMatch(/^被拒绝注册（SIP 403：账号无权注册/);
    expect(forbidden).not.toBe(said({ state: 'failed', problem: 'auth_failed', sipCode: 401 }));
    expect(said({ state: 'failed', problem: 'auth_failed', sipCode: 403 }, 'en')).toMatch(/SIP 403/);
    expect(said({ state: 'failed', problem: 'auth_failed', sipCode: 401 }, 'en')).toMatch(/SIP 401/);
  });

  it('gives any other refusal its code, and says the rest as before', () => {
    expect(said({ state: 'failed', problem: 'rejected', sipCode: 404 })).toBe('注册被拒绝（SIP 404）');
    expect(said({ state: 'failed', problem: 'rejected', sipCode: 503 }, 'en')).toBe(
      'Registration refused (SIP 503)',
    );
    expect(said({ state: 'failed', problem: 'server_unreachable' })).toBe('SIP 服务器无法连接');
    expect(said({ state: 'failed', problem: 'bad_settings' })).toBe('SIP 设置有误');
    expect(said({ state: 'registered' })).toBe('电话就绪');
    expect(said({ state: 'connecting' })).toBe('正在连接电话服务器');
  });
});
