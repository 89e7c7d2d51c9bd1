import { describe, expect, it } from 'vitest';
import {
  callQuality,
  gradeQuality,
  type RtpSample,
  rtpSample,
  type StatsEntry,
} from '../../../shared/phone/quality';

/** A stats report as Chromium gives it for an audio call, trimmed to what is read. */
function report(
  over: { inbound?: object; outbound?: object; remoteInbound?: object; pairRtt?: number } = {},
) {
  const entries: StatsEntry[] = [
    {
      id: 'IT01A',
      type: 'inbound-rtp',
      kind: 'audio',
      bytesReceived: 16_000,
      packetsReceived: 100,
      packetsLost: 0,
      jitter: 0.002,
      ...over.inbound,
    },
    {
      id: 'OT01A',
      type: 'outbound-rtp',
      kind: 'audio',
      bytesSent: 15_500,
      packetsSent: 100,
      ...over.outbound,
    },
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
    {
      id: 'CP1',
      type: 'candidate-pair',
      nominated: true,
      state: 'succeeded',
      currentRoundTripTime: over.pairRtt ?? 0.001,
    },
    // Video and other kinds are not counted.
    {
      id: 'IT01V',
      type: 'inbound-rtp',
      kind: 'video',
      bytesReceived: 999_999,
      packetsReceived: 999,
      packetsLost: 99,
    },
  ];
  if (over.remoteInbound)
    entries.push({ id: 'RI01A', type: 'remote-inbound-rtp', kind: 'audio', ...over.remoteInbound });
  return entries;
}

const sample = (over: Partial<RtpSample> = {}): RtpSample => ({
  bytesSent: 0,
  bytesReceived: 0,
  packetsReceived: 0,
  packetsLost: 0,
  jitterMs: null,
  roundTripMs: null,
  remoteFractionLost: null,
  ...over,
});

describe('call quality from WebRTC statistics', () => {
  it('reads the audio counters, jitter in ms, and the round trip from the selected candidate pair', () => {
    expect(rtpSample(report())).toEqual({
      bytesSent: 15_500,
      bytesReceived: 16_000,
      packetsReceived: 100,
      packetsLost: 0,
      jitterMs: 2,
      roundTripMs: 1,
      remoteFractionLost: null,
    });
  });

  it('prefers the RTCP round trip and reads the far end’s loss; negative loss (duplicates) counts as none', () => {
    const s = rtpSample(
      report({ inbound: { packetsLost: -2 }, remoteInbound: { roundTripTime: 0.04, fractionLost: 0.02 } }),
    );
    expect(s.roundTripMs).toBeCloseTo(40);
    expect(s.remoteFractionLost).toBe(0.02);
    expect(s.packetsLost).toBe(0);
  });

  it('reads an empty report (no media yet) as zero counters', () => {
    expect(rtpSample([])).toEqual(sample());
  });

  it('grades a clean second good, and loss, jitter and round trip fair or poor by the interval', () => {
    const prev = sample({ packetsReceived: 100, jitterMs: 2, roundTripMs: 1 });
    expect(gradeQuality(prev, { ...prev, packetsReceived: 150 }, true)).toBe('good');
    // 2 lost of 50 in the interval (4 %): fair; 10 of 50: poor. Losses before the interval do not count.
    expect(
      gradeQuality({ ...prev, packetsLost: 30 }, { ...prev, packetsReceived: 148, packetsLost: 32 }, true),
    ).toBe('fair');
    expect(gradeQuality(prev, { ...prev, packetsReceived: 140, packetsLost: 10 }, true)).toBe('poor');
    expect(gradeQuality(prev, { ...prev, packetsReceived: 150, jitterMs: 35 }, true)).toBe('fair');
    expect(gradeQuality(prev, { ...prev, packetsReceived: 150, jitterMs: 80 }, true)).toBe('poor');
    expect(gradeQuality(prev, { ...prev, packetsReceived: 150, roundTripMs: 350 }, true)).toBe('fair');
    expect(gradeQuality(prev, { ...prev, packetsReceived: 150, remoteFractionLost: 0.06 }, true)).toBe(
      'poor',
    );
  });

  it('grades a second without any packet from the customer poor, unless the call is on hold', () => {
    const prev = sample({ packetsReceived: 100 });
    expect(gradeQuality(prev, prev, true)).toBe('poor');
    expect(gradeQuality(prev, prev, false)).toBe('good');
    // The first reading has nothing to compare with.
    expect(gradeQuality(null, sample(), true)).toBe('good');
  });

  it('reports the counters with the grade, without the far end’s loss fraction', () => {
    const next = sample({ bytesSent: 10, bytesReceived: 20, packetsReceived: 5, remoteFractionLost: 0 });
    expect(callQuality(null, next, true)).toEqual({
      bytesSent: 10,
      bytesReceived: 20,
      packetsReceived: 5,
      packetsLost: 0,
      jitterMs: null,
      roundTripMs: null,
      grade: 'good',
    });
  });
});
