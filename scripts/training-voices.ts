// Generates the training line's customer voices from the personas' texts, offline:
//   npx tsx scripts/training-voices.ts        (needs espeak-ng with the cmn voice, and ffmpeg with libopus)
// Each turn's `text` is spoken by `espeak-ng -v cmn`, trimmed of the silence before and after (so a clip's
// length is its voiced time, which the recording checks compare), and encoded as small mono Opus in Ogg. The
// clips are committed under assets/training/voices/, so `npm start` and the tests need neither program.
// The output is bit-exact from run to run, so running it again changes no committed clip whose text is the same.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePersona } from '../shared/training/persona';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PERSONAS = join(ROOT, 'assets/training/personas');
const VOICES = join(ROOT, 'assets/training/voices');

/** Somewhat faster than espeak's default, whose Mandarin is slow beside a real caller (about 3 characters a second). */
const WORDS_PER_MINUTE = '190';
const TRIM = 'silenceremove=start_periods=1:start_threshold=-45dB';

/** Every clip the personas use, with its text; a clip name used for two texts is an error in the data. */
function clipTexts(): Map<string, string> {
  const clips = new Map<string, string>();
  const problems: string[] = [];
  for (const file of readdirSync(PERSONAS)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const result = parsePersona(JSON.parse(readFileSync(join(PERSONAS, file), 'utf8')), file);
    if (!result.ok) {
      problems.push(result.error);
      continue;
    }
    for (const turn of result.persona.turns) {
      const seen = clips.get(turn.clip);
      if (seen !== undefined && seen !== turn.text) {
        problems.push(`${file}：录音文件 ${turn.clip} 在别的客户角色中是另一句文本（“${seen}”）`);
      }
      clips.set(turn.clip, turn.text);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return clips;
}

function generate(clip: string, text: string): void {
  const wav = spawnSync('espeak-ng', ['-v', 'cmn', '-s', WORDS_PER_MINUTE, '--stdout', text], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (wav.status !== 0)
    throw new Error(`espeak-ng failed for ${clip}: ${wav.stderr?.toString() ?? wav.error}`);
  const out = join(VOICES, clip);
  // Bit-exact flags and no metadata: the same text gives the same bytes, so regenerating leaves git quiet.
  const ffmpeg = spawnSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'wav', '-i', 'pipe:0'],
      ...['-af', `${TRIM},areverse,${TRIM},areverse`],
      ...['-ac', '1', '-ar', '16000', '-c:a', 'libopus', '-b:a', '24k', '-application', 'voip'],
      ...['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', out],
    ],
    { input: wav.stdout },
  );
  if (ffmpeg.status !== 0)
    throw new Error(`ffmpeg failed for ${clip}: ${ffmpeg.stderr?.toString() ?? ffmpeg.error}`);
}

function durationSec(file: string): number {
  const probe = spawnSync('ffprobe', [
    ...['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
  ]);
  return Number(probe.stdout.toString().trim());
}

const clips = clipTexts();
for (const [clip, text] of clips) generate(clip, text);
// A clip no persona uses any more is removed, so the committed folder is exactly what the personas need.
for (const file of readdirSync(VOICES)) {
  if (file.endsWith('.ogg') && !clips.has(file)) rmSync(join(VOICES, file));
}
let bytes = 0;
let seconds = 0;
for (const clip of [...clips.keys()].sort()) {
  const path = join(VOICES, clip);
  const size = statSync(path).size;
  const d = durationSec(path);
  bytes += size;
  seconds += d;
  process.stdout.write(
    `${clip.padEnd(24)} ${d.toFixed(2).padStart(6)} s ${String(size).padStart(7)} B  ${clips.get(clip)}\n`,
  );
}
process.stdout.write(`${clips.size} clips, ${seconds.toFixed(1)} s, ${(bytes / 1024).toFixed(1)} KiB\n`);
