import { execFileSync } from 'node:child_process';

/**
 * A stereo Opus WebM as MediaRecorder writes it: streamed (ffmpeg to a pipe), so it has no duration and no
 * cues, like the seat's recordings. A tone on each channel, the left (agent) at `leftVolume`, the right
 * (customer) at `rightVolume`.
 */
export function streamedWebm(seconds: number, leftVolume = 0.5, rightVolume = 0.25): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=f=440:d=${seconds},volume=${leftVolume * 8}`,
      '-f',
      'lavfi',
      '-i',
      `sine=f=880:d=${seconds},volume=${rightVolume * 8}`,
      '-filter_complex',
      'amerge=inputs=2',
      '-c:a',
      'libopus',
      '-b:a',
      '48k',
      '-f',
      'webm',
      'pipe:1',
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
}
