/** Call quality: the peer connection's statistics polled about once a second while the call is established. */
import {
  type CallQuality,
  callQuality,
  type RtpSample,
  rtpSample,
  type StatsEntry,
} from '../../shared/phone/quality';

const STATS_INTERVAL_MS = 1000;

/**
 * Reads `getStats()` every second and reports the counters and the grade of the last second. `expectIncoming`
 * is false while the call is on hold (the customer then sends nothing). The returned stop function reports
 * `null` once; a read still under way when it is called reports nothing.
 */
export function pollQuality(
  peerConnection: () => RTCPeerConnection | undefined,
  expectIncoming: () => boolean,
  report: (quality: CallQuality | null) => void,
): () => void {
  let stopped = false;
  let reading = false;
  let prev: RtpSample | null = null;
  const timer = setInterval(() => {
    const pc = peerConnection();
    if (reading || !pc || pc.connectionState === 'closed') return;
    reading = true;
    pc.getStats()
      .then((stats) => {
        if (stopped) return;
        const next = rtpSample(stats.values() as Iterable<StatsEntry>);
        report(callQuality(prev, next, expectIncoming()));
        prev = next;
      })
      .catch((error: unknown) => console.warn('call statistics not read', error))
      .finally(() => {
        reading = false;
      });
  }, STATS_INTERVAL_MS);
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    report(null);
  };
}
