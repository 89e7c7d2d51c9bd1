import { describe, expect, it } from 'vitest';
import { LivenessWatch, SILENCE_LEVEL } from '../../../shared/phone/liveness';

const limits = { warnAfterMs: 10_000, endAfterMs: 20_000 };
const T0 = 1_000_000;

/** A call where the customer sends 50 packets a second of voice until `voiceUntil`, then nothing. */
function feed(
  watch: LivenessWatch,
  fromMs: number,
  toMs: number,
  opts: { packets: boolean; voice: boolean },
) {
  let count = 0;
  for (let t = fromMs; t <= toMs; t += 1000) {
    if (opts.packets) count += 50;
    watch.packets(T0 + t, count);
    watch.level(T0 + t, opts.voice ? 0.6 : 0);
  }
}

describe('dead-call detection (LivenessWatch)', () => {
  it('says nothing while the customer speaks', () => {
    const watch = new LivenessWatch(limits, T0);
    feed(watch, 0, 60_000, { packets: true, voice: true });
    expect(watch.verdict(T0 + 60_000)).toEqual({ warning: null, end: null });
  });

  it('warns when packets carry silence, and never ends the call for it', () => {
    const watch = new LivenessWatch(limits, T0);
    let count = 0;
    for (let t = 0; t <= 9_000; t += 1000) {
      count += 50;
      watch.packets(T0 + t, count);
      watch.level(T0 + t, t === 0 ? 0.6 : SILENCE_LEVEL / 2);
    }
    expect(watch.verdict(T0 + 9_000).warning).toBeNull();
    for (let t = 10_000; t <= 120_000; t += 1000) {
      count += 50;
      watch.packets(T0 + t, count);
    }
    expect(watch.verdict(T0 + 10_000)).toEqual({ warning: 'customer_silent', end: null });
    expect(watch.verdict(T0 + 120_000)).toEqual({ warning: 'customer_silent', end: null });
    watch.level(T0 + 120_500, 0.6);
    expect(watch.verdict(T0 + 121_000)).toEqual({ warning: null, end: null });
  });

  it('warns at 10 s without packets and ends at 20 s (the far end vanished mid-call)', () => {
    const watch = new LivenessWatch(limits, T0);
    feed(watch, 0, 5_000, { packets: true, voice: true });
    // From 5 s on the counter stands still.
    for (let t = 6_000; t <= 30_000; t += 1000) watch.packets(T0 + t, 300);
    expect(watch.verdict(T0 + 14_999)).toEqual({ warning: null, end: null });
    expect(watch.verdict(T0 + 15_000)).toEqual({ warning: 'no_media', end: null });
    expect(watch.verdict(T0 + 24_999).end).toBeNull();
    expect(watch.verdict(T0 + 25_000)).toEqual({ warning: 'no_media', end: 'no_media' });
  });

  it('ends a call whose media never flowed, counted from the answer', () => {
    const watch = new LivenessWatch(limits, T0);
    for (let t = 0; t <= 20_000; t += 1000) watch.packets(T0 + t, 0);
    expect(watch.verdict(T0 + 10_000).warning).toBe('no_media');
    expect(watch.verdict(T0 + 19_999).end).toBeNull();
    expect(watch.verdict(T0 + 20_000).end).toBe('no_media');
  });

  it('ends at once when ICE fails, and only warns while it is disconnected', () => {
    const watch = new LivenessWatch(limits, T0);
    feed(watch, 0, 3_000, { packets: true, voice: true });
    watch.ice('disconnected');
    expect(watch.verdict(T0 + 3_500)).toEqual({ warning: 'network', end: null });
    watch.ice('connected');
    expect(watch.verdict(T0 + 3_600)).toEqual({ warning: null, end: null });
    watch.ice('failed');
    expect(watch.verdict(T0 + 3_700)).toEqual({ warning: 'network', end: 'ice_failed' });
  });

  it('does not count time on hold, and starts afresh when the call is taken off hold', () => {
    const watch = new LivenessWatch(limits, T0);
    feed(watch, 0, 2_000, { packets: true, voice: true });
    watch.hold(T0 + 2_000, true);
    for (let t = 3_000; t <= 60_000; t += 1000) watch.packets(T0 + t, 150);
    expect(watch.verdict(T0 + 60_000)).toEqual({ warning: null, end: null });
    watch.hold(T0 + 60_000, false);
    expect(watch.verdict(T0 + 69_999)).toEqual({ warning: null, end: null });
    expect(watch.verdict(T0 + 70_000).warning).toBe('no_media');
    expect(watch.verdict(T0 + 80_000).end).toBe('no_media');
  });
});
