import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPersonas } from '../../../electron/seat/training/personas';
import { tempDir } from '../../support/fixtures';

const TRAINING_DIR = fileURLToPath(new URL('../../../assets/training/', import.meta.url));
const PERSONAS_DIR = join(TRAINING_DIR, 'personas');
const VOICES_DIR = join(TRAINING_DIR, 'voices');

type Probe = {
  format: string;
  streams: { codec_type: string; codec_name: string; channels: number }[];
  seconds: number;
};

/** What ffprobe says of a clip: its container, its streams and its length. */
function probe(file: string): Probe {
  const json = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        ...['-v', 'error', '-of', 'json'],
        ...['-show_entries', 'stream=codec_type,codec_name,channels:format=duration,format_name', file],
      ],
      { encoding: 'utf8' },
    ),
  );
  return { format: json.format.format_name, streams: json.streams, seconds: Number(json.format.duration) };
}

/** The loudest sample of a clip in dBFS: a clip of silence (a failed synthesis) reads about -91. */
function peakDb(file: string): number {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', file, '-af', 'volumedetect', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  const match = /max_volume: (-?[\d.]+) dB/.exec(run.stderr);
  if (match === null) throw new Error(`volumedetect said nothing for ${file}: ${run.stderr}`);
  return Number(match[1]);
}

const shippedPersonas = () => loadPersonas(PERSONAS_DIR).personas;

describe('the seat loads the training personas and their voices', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('loads every shipped persona, none rejected', () => {
    const report = loadPersonas(PERSONAS_DIR);
    expect(report.rejected).toEqual([]);
    expect(report.personas.map((p) => `${p.id}.json`)).toEqual(
      readdirSync(PERSONAS_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
  });

  it('every clip a persona speaks is committed, small, and Opus audio in Ogg as long as its text', () => {
    const texts = new Map(shippedPersonas().flatMap((p) => p.turns.map((t) => [t.clip, t.text] as const)));
    expect(texts.size).toBeGreaterThan(10);
    // The folder holds exactly the clips in use: the generator removes the ones no persona speaks any more.
    expect(readdirSync(VOICES_DIR).sort()).toEqual([...texts.keys()].sort());
    let bytes = 0;
    for (const [clip, text] of texts) {
      const file = join(VOICES_DIR, clip);
      bytes += statSync(file).size;
      const { format, streams, seconds } = probe(file);
      expect({ clip, format, streams }).toEqual({
        clip,
        format: 'ogg',
        streams: [{ codec_type: 'audio', codec_name: 'opus', channels: 1 }],
      });
      // espeak-ng's Mandarin says about four characters a second, punctuation included: a clip far shorter was
      // cut off, one far longer carries silence the trimming missed.
      const chars = [...text].length;
      expect(seconds, clip).toBeGreaterThan(0.3);
      expect(seconds, clip).toBeGreaterThan(chars * 0.12);
      expect(seconds, clip).toBeLessThan(chars * 0.45 + 0.5);
      expect(peakDb(file), clip).toBeGreaterThan(-20);
    }
    // Committed to git and shipped in the installer: they must stay small.
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it('reports a persona whose clip is missing or empty, naming it, and keeps the others', () => {
    const personas = join(tmp.dir, 'personas');
    const voices = join(tmp.dir, 'voices');
    cpSync(PERSONAS_DIR, personas, { recursive: true });
    cpSync(VOICES_DIR, voices, { recursive: true });
    rmSync(join(voices, 'promised_returns.ogg'));
    writeFileSync(join(voices, 'not_me.ogg'), '');

    const report = loadPersonas(personas);
    expect(report.rejected).toEqual([
      {
        file: join(personas, 'identity_fails.json'),
        message:
          '客户角色 identity_fails v1：缺少录音文件 not_me.ogg（请运行 scripts/training-voices.ts 生成）',
      },
      {
        file: join(personas, 'misconduct.json'),
        message:
          '客户角色 misconduct v1：缺少录音文件 promised_returns.ogg（请运行 scripts/training-voices.ts 生成）',
      },
    ]);
    expect(report.personas.map((p) => p.id)).toEqual([
      'busy',
      'call_back_tomorrow',
      'cooperative',
      'hangs_up',
      'no_answer',
    ]);
  });

  it('looks for clips in the folder given, and reports bad JSON, a bad persona and a repeated id', () => {
    const personas = join(tmp.dir, 'p');
    cpSync(join(PERSONAS_DIR, 'busy.json'), join(personas, 'busy.json'));
    cpSync(join(PERSONAS_DIR, 'cooperative.json'), join(personas, 'cooperative.json'));
    writeFileSync(join(personas, 'busy_again.json'), readFileSync(join(PERSONAS_DIR, 'busy.json')));
    writeFileSync(join(personas, 'broken.json'), '{ "id": ');
    const noRing = JSON.parse(readFileSync(join(PERSONAS_DIR, 'no_answer.json'), 'utf8'));
    delete noRing.line.ringMs;
    writeFileSync(join(personas, 'no_answer.json'), JSON.stringify(noRing));
    writeFileSync(join(personas, 'notes.txt'), 'not a persona');

    const report = loadPersonas(personas, VOICES_DIR);
    expect(report.personas.map((p) => p.id)).toEqual(['busy', 'cooperative']);
    expect(report.rejected.map((r) => r.message)).toEqual([
      expect.stringMatching(/^broken\.json：不是有效的 JSON（/),
      '客户角色 busy v1：编号与 busy.json 重复',
      '客户角色 no_answer v1：缺少振铃时长（line.ringMs）',
    ]);
    // Without the voices folder beside it, the speaking personas are refused; the silent lines still load.
    expect(loadPersonas(personas).personas.map((p) => p.id)).toEqual(['busy']);
  });

  it('a missing folder is simply empty', () => {
    expect(loadPersonas(join(tmp.dir, 'none'))).toEqual({ personas: [], rejected: [] });
  });
});
