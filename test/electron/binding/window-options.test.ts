import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  appFilePath,
  isAppUrl,
  isTrustedSender,
  permissionAllowed,
  windowOptions,
} from '../../../electron/binding/window-options';
import { CONTENT_SECURITY_POLICY } from '../../../shared/csp';

describe('the seat window options', () => {
  const options = windowOptions('/opt/seat/out/preload/index.cjs');
  const web = options.webPreferences ?? {};

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['webviewTag', false],
    ['spellcheck', false],
  ] as const)('sets webPreferences.%s to %s', (key, value) => {
    expect(web[key]).toBe(value);
  });

  it('loads the given preload and nothing else of Node', () => {
    expect(web.preload).toBe('/opt/seat/out/preload/index.cjs');
  });

  it('opens hidden, titled and sized for a seat screen', () => {
    expect(options).toMatchObject({
      show: false,
      title: '回访坐席台',
      width: 1440,
      height: 900,
      minWidth: 1100,
      minHeight: 700,
    });
    expect(options.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
  });
});

describe('the content security policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('runs scripts from the app only: no eval, no inline, no other origin', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('*');
  });

  it.each([
    ['default-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'none'"]],
    ['connect-src', ["'self'"]],
  ])('sets %s to %j', (name, values) => {
    expect(directives.get(name)).toEqual(values);
  });

  it('lets media play recordings and the microphone stream', () => {
    expect(directives.get('media-src')).toEqual(["'self'", 'blob:', 'mediastream:']);
  });
});

describe('isAppUrl', () => {
  it.each(['app://seat/index.html', 'app://seat/', 'app://seat', 'app://seat/assets/a.js?x=1#y'])(
    'accepts %s',
    (url) => expect(isAppUrl(url)).toBe(true),
  );
  it.each([
    'app://seat.evil/index.html',
    'app://seat@evil/index.html',
    'app://evil@seat:8080/',
    'app://seat:443/',
    'app://other/index.html',
    'file:///opt/seat/out/renderer/index.html',
    'https://seat/index.html',
    'https://evil.example/',
    'http://localhost:5173/',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'about:blank',
    'app:seat',
    '',
    'not a url',
  ])('refuses %s', (url) => expect(isAppUrl(url)).toBe(false));
});

describe('isTrustedSender', () => {
  it('trusts the app main frame only', () => {
    expect(isTrustedSender('app://seat/index.html', true)).toBe(true);
    expect(isTrustedSender('app://seat/index.html', false)).toBe(false);
    expect(isTrustedSender('https://evil.example/', true)).toBe(false);
    expect(isTrustedSender('app://seat.evil/index.html', true)).toBe(false);
    expect(isTrustedSender('file:///index.html', true)).toBe(false);
  });
});

describe('permissionAllowed', () => {
  const main = { isMainFrame: true };

  it('allows the microphone to the app main frame, as request and as check', () => {
    expect(permissionAllowed('media', 'app://seat/index.html', { ...main, mediaTypes: ['audio'] })).toBe(
      true,
    );
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaType: 'audio' })).toBe(true);
    expect(
      permissionAllowed('media', APP_ORIGIN, { ...main, mediaType: 'audio', securityOrigin: APP_ORIGIN }),
    ).toBe(true);
  });

  it('refuses the camera, alone or with the microphone, and media of unknown type', () => {
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaTypes: ['video'] })).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaTypes: [] })).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaType: 'video' })).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, { ...main, mediaType: 'unknown' })).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, main)).toBe(false);
  });

  it('refuses the microphone to any other origin or a subframe', () => {
    const audio = { ...main, mediaTypes: ['audio'] as const };
    expect(permissionAllowed('media', 'https://evil.example', audio)).toBe(false);
    expect(permissionAllowed('media', 'app://seat.evil', audio)).toBe(false);
    expect(permissionAllowed('media', 'file:///index.html', audio)).toBe(false);
    expect(permissionAllowed('media', APP_ORIGIN, { ...audio, securityOrigin: 'https://evil.example' })).toBe(
      false,
    );
    expect(permissionAllowed('media', APP_ORIGIN, { ...audio, isMainFrame: false })).toBe(false);
  });

  it.each([
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'openExternal',
    'display-capture',
    'fullscreen',
    'midi',
    'midiSysex',
    'hid',
    'serial',
    'usb',
    'pointerLock',
    'fileSystem',
    'unknown',
  ])('refuses %s even to the app', (permission) => {
    expect(permissionAllowed(permission, APP_ORIGIN, { ...main, mediaTypes: ['audio'] })).toBe(false);
  });
});

describe('appFilePath', () => {
  const root = resolve('/opt/seat/out/renderer');

  it('maps app://seat paths into the renderer directory', () => {
    expect(appFilePath(root, 'app://seat/index.html')).toBe(join(root, 'index.html'));
    expect(appFilePath(root, 'app://seat/')).toBe(join(root, 'index.html'));
    expect(appFilePath(root, 'app://seat/assets/index-abc.js?v=1')).toBe(
      join(root, 'assets', 'index-abc.js'),
    );
    expect(appFilePath(root, 'app://seat/%E5%9B%9E%E8%AE%BF.svg')).toBe(join(root, '回访.svg'));
  });

  it.each([
    'app://seat/../../../etc/passwd',
    'app://seat/%2e%2e/%2e%2e/etc/passwd',
    'app://seat/assets/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
  ])('keeps %s inside the renderer directory (the URL parser drops the dot segments)', (url) => {
    expect(appFilePath(root, url)).toBe(join(root, 'etc', 'passwd'));
  });

  it.each([
    'app://seat/..%2f..%2f..%2fetc%2fpasswd',
    'app://seat/assets/..%2F..%2F..%2Fetc%2Fpasswd',
    'app://seat/..%5c..%5cwindows%5cwin.ini',
    'app://seat/%00index.html',
    'app://seat/%E0%A4%A',
    'app://seat.evil/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(appFilePath(root, url)).toBeNull();
  });
});

describe('the CSP for a seat with a PBX', () => {
  it('adds exactly the PBX origin of the SIP WebSocket to connect-src, nothing else', async () => {
    const { seatContentSecurityPolicy, sipConnectSource } = await import('../../../shared/csp');
    expect(sipConnectSource('wss://pbx.example.com:7443/ws')).toBe('wss://pbx.example.com:7443');
    expect(sipConnectSource('ws://127.0.0.1:5066')).toBe('ws://127.0.0.1:5066');
    for (const bad of [
      '',
      'https://pbx.example',
      "wss://pbx.example; script-src 'unsafe-eval'",
      'wss://*',
      'javascript:x',
    ]) {
      expect(sipConnectSource(bad)).toBeNull();
    }
    const csp = seatContentSecurityPolicy('wss://pbx.example.com:7443/ws');
    expect(csp).toContain("connect-src 'self' wss://pbx.example.com:7443;");
    expect(csp.replace(' wss://pbx.example.com:7443', '')).toBe(CONTENT_SECURITY_POLICY);
    expect(seatContentSecurityPolicy('')).toBe(CONTENT_SECURITY_POLICY);
  });
});
