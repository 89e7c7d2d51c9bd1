import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Persona, parsePersona } from '../../../shared/training/persona';
import { loadLibrary } from '../scripts/library';

const PERSONAS_DIR = fileURLToPath(new URL('../../../assets/training/personas/', import.meta.url));
const files = readdirSync(PERSONAS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const shipped = (file: string): Persona => JSON.parse(readFileSync(`${PERSONAS_DIR}${file}`, 'utf8'));

/** A small good persona, to break in one place. */
function good(): Record<string, unknown> & {
  line: Record<string, unknown>;
  turns: Record<string, unknown>[];
} {
  return {
    id: 'test_customer',
    version: 1,
    name: '测试客户',
    description: '接听后确认身份。',
    line: { kind: 'answer', ringMs: 2000 },
    turns: [
      { clip: 'hello.ogg', text: '喂，您好。', after: 'answer', delayMs: 500 },
      {
        clip: 'identity_yes.ogg',
        text: '对，是我本人。',
        after: 'agent_speaks',
        delayMs: 700,
        expect: 'identity',
      },
    ],
  };
}

function rejected(json: unknown, source = 'broken.json'): string {
  const result = parsePersona(json, source);
  if (result.ok) throw new Error('the persona was accepted');
  return result.error;
}

describe('customer personas of the training line', () => {
  it('a good persona parses, with its turns as written', () => {
    const result = parsePersona(good(), 'test_customer.json');
    expect(result.ok).toBe(true);
    expect(result.ok && result.persona.turns.map((t) => t.clip)).toEqual(['hello.ogg', 'identity_yes.ogg']);
  });

  it.each(files)('shipped %s parses', (file) => {
    const result = parsePersona(shipped(file), file);
    expect(result.ok ? '' : result.error).toBe('');
    expect(result.ok && `${result.persona.id}.json`).toBe(file);
  });

  it('ships the personas the training line needs, each driving its outcome', () => {
    const byId = new Map(files.map((f) => [shipped(f).id, shipped(f)]));
    expect([...byId.keys()].sort()).toEqual(
      [
        'busy',
        'call_back_tomorrow',
        'cooperative',
        'hangs_up',
        'identity_fails',
        'misconduct',
        'no_answer',
      ].sort(),
    );
    expect(byId.get('busy')?.line).toMatchObject({ kind: 'busy', sipCode: 486 });
    expect(byId.get('no_answer')?.line.kind).toBe('no_answer');
    expect(byId.get('hangs_up')?.hangUpAfterMs).toBeGreaterThan(0);
    const says = (id: string) => (byId.get(id)?.turns ?? []).map((t) => t.text).join('');
    expect(says('misconduct')).toContain('保本保收益');
    expect(byId.get('misconduct')?.turns.some((t) => t.expect === 'conduct.promised_returns')).toBe(true);
    expect(says('call_back_tomorrow')).toContain('请明天下午再打来');
    expect(says('identity_fails')).toContain('不是');
    // The cooperative customer answers every conduct question of the new-account script, and only "no".
    const conduct = byId
      .get('cooperative')
      ?.turns.filter((t) => t.expect?.startsWith('conduct.') && t.expect !== 'conduct.intro');
    expect(conduct?.length).toBe(10);
    expect(conduct?.every((t) => t.text.startsWith('没有'))).toBe(true);
  });

  it('every turn that answers a step names a step of a shipped script, or a step kind', () => {
    const known = new Set(
      [...loadLibrary().values()].flatMap((s) => s.steps.flatMap((step) => [step.id, step.kind])),
    );
    const unknown = files.flatMap((f) =>
      shipped(f)
        .turns.filter((t) => t.expect !== undefined && !known.has(t.expect))
        .map((t) => `${f}: ${t.expect}`),
    );
    expect(unknown).toEqual([]);
  });

  it('names the persona and the field, in Chinese, for a missing or malformed field', () => {
    const noName = good();
    delete noName.name;
    expect(rejected(noName)).toBe('客户角色 test_customer v1：缺少名称（name）');

    const longRing = good();
    longRing.line.ringMs = 60_001;
    expect(rejected(longRing)).toBe('客户角色 test_customer v1：振铃时长（line.ringMs）不能超过 60000');

    const fractional = good();
    fractional.line.ringMs = 1.5;
    expect(rejected(fractional)).toBe('客户角色 test_customer v1：振铃时长（line.ringMs）应为整数');

    const kind = good();
    kind.line.kind = 'ringing';
    expect(rejected(kind)).toBe(
      '客户角色 test_customer v1：线路类型（line.kind）取值无效，应为：answer、busy、no_answer',
    );
  });

  it('names the turn of a bad turn field, and refuses a clip outside the voices folder', () => {
    const folder = good();
    folder.turns[1] = { ...folder.turns[1], clip: '../../etc/passwd.ogg' };
    expect(rejected(folder)).toMatch(
      /^客户角色 test_customer v1：第 2 句台词的录音文件（turns\.1\.clip）格式不正确/,
    );

    const wav = good();
    wav.turns[0] = { ...wav.turns[0], clip: 'hello.wav' };
    expect(rejected(wav)).toMatch(/第 1 句台词的录音文件（turns\.0\.clip）格式不正确/);

    const delay = good();
    delay.turns[1] = { ...delay.turns[1], delayMs: -1 };
    expect(rejected(delay)).toBe(
      '客户角色 test_customer v1：第 2 句台词的停顿时长（turns.1.delayMs）不能小于 0',
    );

    const after = good();
    after.turns[1] = { ...after.turns[1], after: 'later' };
    expect(rejected(after)).toBe(
      '客户角色 test_customer v1：第 2 句台词的开口时机（turns.1.after）取值无效，应为：answer、agent_speaks、previous',
    );

    const extra = good();
    extra.turns[0] = { ...extra.turns[0], volume: 3 };
    expect(rejected(extra)).toBe('客户角色 test_customer v1：第 1 句台词的未知字段：volume');
  });

  it('refuses control characters and line breaks in texts and empty texts', () => {
    const nul = good();
    nul.turns[0] = { ...nul.turns[0], text: '喂\u0000您好' };
    expect(rejected(nul)).toBe(
      '客户角色 test_customer v1：第 1 句台词的文本（turns.0.text）含有不可见的控制字符或换行',
    );

    const br = good();
    br.description = '第一行\n第二行';
    expect(rejected(br)).toBe('客户角色 test_customer v1：说明（description）含有不可见的控制字符或换行');

    const empty = good();
    empty.name = '   ';
    expect(rejected(empty)).toBe('客户角色 test_customer v1：名称（name）不能为空');
  });

  it('checks the rules across fields: busy has a code and no turns, one clip says one text', () => {
    const busy = good();
    busy.line = { kind: 'busy', ringMs: 1000 };
    expect(rejected(busy).split('\n')).toEqual([
      '客户角色 test_customer v1：未接通的线路不能有台词（turns）',
      '客户角色 test_customer v1：忙线的线路需要 SIP 状态码（line.sipCode，例如 486）',
    ]);

    const silent = good();
    silent.turns = [];
    expect(rejected(silent)).toBe('客户角色 test_customer v1：接听的客户至少需要一句台词（turns）');

    const twoTexts = good();
    twoTexts.turns[1] = { ...twoTexts.turns[1], clip: 'hello.ogg' };
    expect(rejected(twoTexts)).toBe(
      '客户角色 test_customer v1：第 2 句台词的录音文件 hello.ogg 已用于另一句文本（turns.1.clip）',
    );
  });

  it('names the file when the persona has no usable id, and never throws on junk', () => {
    expect(rejected({ ...good(), id: 'Bad Id' }, 'x.json')).toMatch(
      /^客户角色 Bad Id v1：编号（id）格式不正确/,
    );
    expect(rejected({ ...good(), id: undefined }, 'x.json')).toBe('客户角色 x.json：缺少编号（id）');
    expect(rejected(null, 'null.json')).toBe('客户角色 null.json：内容应为对象');
    expect(rejected([], 'list.json')).toBe('客户角色 list.json：内容应为对象');
  });
});
