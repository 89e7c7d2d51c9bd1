/**
 * Call quality from WebRTC statistics (`RTCPeerConnection.getStats()`): the counters of the audio RTP streams
 * and a three-step grade for the agent. Pure: the phone reads the stats report and hands its entries here.
 */

export type QualityGrade = 'good' | 'fair' | 'poor';

/** The call's media counters and the grade of the last interval, as the phone reports them about once a second. */
export interface CallQuality {
  /** RTP payload bytes of our audio sent so far (`outbound-rtp`). */
  bytesSent: number;
  /** RTP payload bytes of the customer's audio received so far (`inbound-rtp`). */
  bytesReceived: number;
  packetsReceived: number;
  /** Packets of the customer's audio lost on the way to us so far. */
  packetsLost: number;
  /** Interarrival jitter of the customer's audio, ms; null until known. */
  jitterMs: number | null;
  /** Round trip to the far end, ms (from RTCP, else from the ICE candidate pair); null until known. */
  roundTripMs: number | null;
  grade: QualityGrade;
}

/** The counters read from one stats report (`grade` is worked out against the report before it). */
export type RtpSample = Omit<CallQuality, 'grade'> & {
  /** Fraction of our packets the far end says it lost in its last receiver report (0..1); null until one. */
  remoteFractionLost: number | null;
};

/** One entry of an `RTCStatsReport`, as much of it as is read here. */
export type StatsEntry = { readonly type: string } & Readonly<Record<string, unknown>>;

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const isAudio = (s: StatsEntry) => (s.kind ?? s.mediaType) === 'audio';

/** The audio counters of a stats report (summed over streams; a call has one each way). */
export function rtpSample(report: Iterable<StatsEntry>): RtpSample {
  const entries = [...report];
  const sample: RtpSample = {
    bytesSent: 0,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    jitterMs: null,
    roundTripMs: null,
    remoteFractionLost: null,
  };
  const byId = new Map(entries.map((s) => [s.id, s]));
  let pairRtt: number | null = null;
  for (const s of entries) {
    if (s.type === 'inbound-rtp' && isAudio(s)) {
      sample.bytesReceived += num(s.bytesReceived) ?? 0;
      sample.packetsReceived += num(s.packetsReceived) ?? 0;
      // Negative when duplicates arrived (RFC 3550): that is no loss.
      sample.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
      const jitter = num(s.jitter);
      if (jitter !== null) sample.jitterMs = Math.max(sample.jitterMs ?? 0, jitter * 1000);
    } else if (s.type === 'outbound-rtp' && isAudio(s)) {
      sample.bytesSent += num(s.bytesSent) ?? 0;
    } else if (s.type === 'remote-inbound-rtp' && isAudio(s)) {
      const rtt = num(s.roundTripTime);
      if (rtt !== null) sample.roundTripMs = rtt * 1000;
      const fraction = num(s.fractionLost);
      if (fraction !== null) sample.remoteFractionLost = fraction;
    } else if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pairRtt = num(byId.get(s.selectedCandidatePairId)?.currentRoundTripTime) ?? pairRtt;
    } else if (s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded') {
      pairRtt ??= num(s.currentRoundTripTime);
    }
  }
  if (sample.roundTripMs === null && pairRtt !== null) sample.roundTripMs = pairRtt * 1000;
  return sample;
}

/** Worse than these, the grade drops to `fair`, then to `poor`: loss fraction, jitter ms, round trip ms. */
export const FAIR = { loss: 0.01, jitterMs: 30, roundTripMs: 300 } as const;
export const POOR = { loss: 0.05, jitterMs: 50, roundTripMs: 500 } as const;

/**
 * The grade of the interval from `prev` to `next`: loss both ways (ours from the counters' difference, the far
 * end's from its receiver report), jitter and round trip. No packet from the customer over a whole interval
 * while `expectIncoming` (not on hold) is `poor`: the agent hears nothing.
 */
export function gradeQuality(prev: RtpSample | null, next: RtpSample, expectIncoming: boolean): QualityGrade {
  const received = next.packetsReceived - (prev?.packetsReceived ?? 0);
  const lost = Math.max(0, next.packetsLost - (prev?.packetsLost ?? 0));
  if (prev !== null && expectIncoming && received <= 0) return 'poor';
  const loss = Math.max(received + lost > 0 ? lost / (received + lost) : 0, next.remoteFractionLost ?? 0);
  const worse = (limit: { loss: number; jitterMs: number; roundTripMs: number }) =>
    loss >= limit.loss ||
    (next.jitterMs ?? 0) >= limit.jitterMs ||
    (next.roundTripMs ?? 0) >= limit.roundTripMs;
  if (worse(POOR)) return 'poor';
  if (worse(FAIR)) return 'fair';
  return 'good';
}

export function callQuality(prev: RtpSample | null, next: RtpSample, expectIncoming: boolean): CallQuality {
  const { remoteFractionLost: _, ...counters } = next;
  return { ...counters, grade: gradeQuality(prev, next, expectIncoming) };
}
