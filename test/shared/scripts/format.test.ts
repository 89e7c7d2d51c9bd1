import { describe, expect, it } from 'vitest';
import { CALLBACK_TYPES } from '../../../shared/domain/callback-types';
import { parseScript, type Script } from '../../../shared/scripts/format';
import { checkSharedSteps } from '../../../shared/scripts/merge';
import { loadLibrary, readScriptJson, scriptFiles, scriptFor } from './library';

const library = loadLibrary();

/** A shipped script as raw JSON, to break in one place. */
function raw(file = 'new_account.json'): Record<string, unknown> & { steps: Record<string, unknown>[] } {
  return readScriptJson(file) as Record<string, unknown> & { steps: Record<string, unknown>[] };
}

function stepOf(json: ReturnType<typeof raw>, id: string): Record<string, unknown> {
  const step = json.steps.find((s) => s.id === id);
  if (step === undefined) throw new Error(`no step ${id}`);
  return step;
}

function rejected(json: unknown, source = 'broken.json'): { error: string; errorEn: string } {
  const result = parseScript(json, source);
  if (result.ok) throw new Error('the script was accepted');
  return result;
}

describe('shipped scripts', () => {
  it.each(scriptFiles())('%s loads', (file) => {
    const result = parseScript(readScriptJson(file), file);
    expect(result.ok ? '' : result.error).toBe('');
  });

  it('there is one script per callback type, named after it', () => {
    expect([...library.keys()].sort()).toEqual([...CALLBACK_TYPES].sort());
    for (const file of scriptFiles()) {
      expect(file).toBe(`${(readScriptJson(file) as Script).callbackType}.json`);
    }
  });

  it('shared step ids mean the same thing in every script, so any purposes can be merged', () => {
    expect(checkSharedSteps([...library.values()])).toEqual([]);
  });

  const ids = (type: (typeof CALLBACK_TYPES)[number]) => scriptFor(library, type).steps.map((s) => s.id);
  const CONDUCT = [
    'conduct.handled_business',
    'conduct.traded_via_account',
    'conduct.discretionary',
    'conduct.kept_credentials',
    'conduct.promised_returns',
    'conduct.misleading',
    'conduct.lending',
    'conduct.loan_brokering',
    'conduct.leaked_data',
    'conduct.improper_solicitation',
  ];

  it('new_account, satisfaction and salesperson_departure ask every prohibited behaviour; "yes" is a finding', () => {
    for (const type of ['new_account', 'satisfaction', 'salesperson_departure'] as const) {
      expect(ids(type)).toEqual(expect.arrayContaining(CONDUCT));
      for (const step of scriptFor(library, type).steps.filter(
        (s) => s.id.startsWith('conduct.') && s.id !== 'conduct.intro',
      )) {
        expect(step.kind === 'question' && step.input).toBe('yes_no');
        expect(step.kind === 'question' && step.findings?.map((f) => f.when)).toEqual([true]);
      }
    }
  });

  it('each script covers what DOMAIN.md lists for its type', () => {
    expect(ids('new_account')).toEqual(
      expect.arrayContaining([
        'account.own_will',
        'account.data_genuine',
        'service.counter',
        'service.witness',
        'disclosure.salesperson_scope',
        'risk.market',
      ]),
    );
    expect(ids('nonsite_qualification')).toEqual(
      expect.arrayContaining([
        'nonsite.met_outside',
        'nonsite.entered_data',
        'nonsite.risk_assessment',
        'nonsite.agreement',
        'nonsite.wants_account',
      ]),
    );
    expect(ids('aml')).toEqual(
      expect.arrayContaining([
        'aml.id_valid_from',
        'aml.id_valid_until',
        'aml.occupation',
        'aml.employer',
        'aml.education',
      ]),
    );
    expect(ids('satisfaction')).toEqual(
      expect.arrayContaining(['satisfaction.overall', 'satisfaction.salesperson', 'opinion.suggestions']),
    );
    expect(ids('abnormal')).toEqual(
      expect.arrayContaining(['abnormal.cause', 'abnormal.funds_source', 'abnormal.risk']),
    );
    for (const script of library.values()) {
      expect(script.steps[0]?.kind).toBe('identity');
      expect(script.title.zh).not.toBe('');
    }
  });
});

describe('a malformed script is rejected with a message naming the script and the step', () => {
  it('a choice question without options', () => {
    const json = raw();
    const step = stepOf(json, 'service.counter');
    delete step.options;
    delete step.findings;
    const { error, errorEn } = rejected(json);
    expect(error).toBe('脚本 new_account v1 的步骤 service.counter：缺少选项');
    expect(errorEn).toBe('Script new_account v1, step service.counter: options missing');
  });

  it('a missing field, an unknown kind, an unknown field', () => {
    const json = raw();
    delete (stepOf(json, 'conduct.lending').text as Record<string, unknown>).zh;
    stepOf(json, 'conduct.intro').kind = 'sing';
    stepOf(json, 'risk.market').colour = 'red';
    const { error } = rejected(json);
    expect(error).toContain('脚本 new_account v1 的步骤 conduct.lending：缺少中文（text.zh）');
    expect(error).toContain(
      '脚本 new_account v1 的步骤 conduct.intro：步骤类型无效，应为：say、disclosure、question、identity、end',
    );
    expect(error).toContain('脚本 new_account v1 的步骤 risk.market：未知字段：colour');
  });

  it('a jump backwards or to a step that does not exist', () => {
    const json = raw();
    stepOf(json, 'service.witness').next = 'account.own_will';
    stepOf(json, 'service.counter').next = 'service.nowhere';
    const { error } = rejected(json);
    expect(error).toContain('的步骤 service.witness：跳转目标 account.own_will 必须在本步骤之后');
    expect(error).toContain('的步骤 service.counter：跳转目标 service.nowhere 不存在');
  });

  it('a condition that is not an option, and a yes/no condition that is not a boolean', () => {
    const json = raw();
    stepOf(json, 'service.counter').findings = [
      {
        when: 'furious',
        finding: { category: 'x', severity: 'low', about: 'branch', text: { zh: '甲', en: 'a' } },
      },
    ];
    stepOf(json, 'conduct.lending').branches = [{ when: 'yes', next: 'risk.market' }];
    const { error } = rejected(json);
    expect(error).toContain('的步骤 service.counter：条件 furious 不是本题的选项');
    expect(error).toContain('的步骤 conduct.lending：是非题的条件必须是 true 或 false，而不是 yes');
  });

  it('a placeholder for unmasked personal data, or one that does not exist', () => {
    const json = raw();
    stepOf(json, 'account.own_will').text = {
      zh: '您的证件号码是{idNumber}吗？',
      en: 'Is your ID {idNumber}?',
    };
    stepOf(json, 'account.data_genuine').text = { zh: '{weather}好', en: '{weather} hi' };
    const { error } = rejected(json);
    expect(error).toContain('的步骤 account.own_will：不得使用未脱敏的个人信息 {idNumber}');
    expect(error).toContain('的步骤 account.data_genuine：未知占位符 {weather}');
  });

  it('identity not first, duplicate ids, an outcome rule on a step that is not a question', () => {
    const json = raw();
    json.steps.reverse();
    const { error } = rejected(json);
    expect(error).toContain('的步骤 end：第一步必须是身份核实');

    const dup = raw();
    stepOf(dup, 'service.witness').id = 'service.counter';
    expect(rejected(dup).error).toContain('的步骤 service.counter：步骤编号重复');

    const rule = raw('nonsite_qualification.json');
    rule.outcome = {
      default: 'release',
      rules: [{ when: { step: 'nonsite.intro', is: true }, outcome: 'hold' }],
    };
    expect(rejected(rule).error).toBe(
      '脚本 nonsite_qualification v1：结果规则第 1 条：nonsite.intro 不是本脚本的问题',
    );
  });

  it('a step without an id is named by its position; a file without an id by its source', () => {
    const json = raw();
    delete (json.steps[2] as Record<string, unknown>).id;
    expect(rejected(json).error).toContain('脚本 new_account v1 的步骤 #3：缺少编号');
    expect(rejected(42, 'scripts/x.json').error).toBe('脚本 scripts/x.json：内容应为对象');
    expect(rejected({ id: 'x' }, 'x.json').error).toContain('脚本 x：缺少格式版本');
  });
});
