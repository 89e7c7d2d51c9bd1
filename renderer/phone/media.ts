/** Media helpers: microphone constraints, the remote `<audio>` element, the level meters of both sides. */
import type { PhoneConfig } from '../../shared/phone/service';

/** The meters' default rate: 20 a second (the training line's speech detector wants it). */
const LEVEL_INTERVAL_MS = 50;
/** Levels below this read as 0 (the meter spans −60 dBFS … 0 dBFS). */
const FLOOR_DB = -60;

export function audioConstraints(config: PhoneConfig): MediaTrackConstraints {
  const audio: MediaTrackConstraints = {
    echoCancellation: config.echoCancellation,
    noiseSuppression: config.noiseSuppression,
    autoGainControl: config.autoGainControl,
  };
  // `exact`: the agent picked this headset; silently falling back to the laptop microphone would be worse.
  if (config.inputDeviceId !== '') audio.deviceId = { exact: config.inputDeviceId };
  return audio;
}

/**
 * Plays the customer. Besides letting the agent hear, this is required for the recording: Chromium feeds a
 * remote WebRTC stream to Web Audio only while it is also attached to a playing media element.
 */
export function playRemote(element: HTMLAudioElement, stream: MediaStream, outputDeviceId: string): void {
  element.autoplay = true;
  element.srcObject = stream;
  if (outputDeviceId !== '' && typeof element.setSinkId === 'function') {
    element.setSinkId(outputDeviceId).catch((error: unknown) => console.warn('audio output not set', error));
  }
  element.play().catch((error: unknown) => console.warn('remote audio does not play', error));
}

export function stopRemote(element: HTMLAudioElement): void {
  element.pause();
  element.srcObject = null;
}

/** A stream to meter and where its level goes. */
export interface MeteredStream {
  stream: MediaStream;
  report: (level: number) => void;
}

/**
 * Reports the level (0..1) of each stream with audio about 20 times a second, all from one timer; returns the
 * stop function (which reports 0 for each). A remote WebRTC stream must also be playing in a media element
 * (`playRemote`), or Chromium gives Web Audio silence for it.
 */
export function meterLevels(
  ctx: AudioContext,
  streams: MeteredStream[],
  intervalMs = LEVEL_INTERVAL_MS,
): () => void {
  const meters = streams
    .filter(({ stream }) => stream.getAudioTracks().length > 0)
    .map(({ stream, report }) => {
      const source = ctx.createMediaStreamSource(stream);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      return { source, analyser, report, samples: new Float32Array(analyser.fftSize) };
    });
  if (meters.length === 0) return () => {};
  const timer = setInterval(() => {
    for (const { analyser, samples, report } of meters) {
      analyser.getFloatTimeDomainData(samples);
      report(levelOf(samples));
    }
  }, intervalMs);
  return () => {
    clearInterval(timer);
    for (const { source, report } of meters) {
      source.disconnect();
      report(0);
    }
  };
}

/** RMS of the samples on the meter's scale: −60 dBFS (and below) → 0, 0 dBFS → 1. */
export function levelOf(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / samples.length);
  const db = rms > 0 ? 20 * Math.log10(rms) : FLOOR_DB;
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}
