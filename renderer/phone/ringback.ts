/**
 * The ringback tone the agent hears while the customer's phone rings (China: 450 Hz, 1 s on, 4 s off), made
 * locally in the phone's audio context because a PBX that sends 180 without early media sends no sound.
 * The pattern is scheduled for the longest ring the settings allow; `stop()` ends it at once.
 */
const HZ = 450;
const ON_S = 1;
const PERIOD_S = 5;
const LEVEL = 0.08;

export function startRingback(context: BaseAudioContext, maxSeconds: number): () => void {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.frequency.value = HZ;
  gain.gain.value = 0;
  const t0 = context.currentTime;
  for (let t = 0; t < maxSeconds; t += PERIOD_S) {
    gain.gain.setValueAtTime(LEVEL, t0 + t);
    gain.gain.setValueAtTime(0, t0 + t + ON_S);
  }
  oscillator.connect(gain).connect(context.destination);
  oscillator.start();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    oscillator.stop();
    oscillator.disconnect();
    gain.disconnect();
  };
}
