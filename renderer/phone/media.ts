/** Local media helpers: microphone constraints, the remote `<audio>` element, the input level meter. */
import type { PhoneConfig } from '../../shared/phone/service';

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

/** Reports the microphone level (0..1) about 20 times a second; returns the stop function (which reports 0). */
export function meterInput(
  ctx: AudioContext,
  stream: MediaStream,
  report: (level: number) => void,
): () => void {
  if (stream.getAudioTracks().length === 0) return () => {};
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const rms = Math.sqrt(sum / samples.length);
    const db = rms > 0 ? 20 * Math.log10(rms) : FLOOR_DB;
    report(Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB)));
  }, LEVEL_INTERVAL_MS);
  return () => {
    clearInterval(timer);
    source.disconnect();
    report(0);
  };
}
