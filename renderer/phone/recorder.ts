/**
 * Mandatory call recording: agent (local microphone) on the left, customer (remote stream) on the right,
 * Opus in WebM, streamed to the seat in ~1 s chunks that the seat appends and fsyncs.
 *
 * The seat's file is evidence, so chunks go strictly in order (seq 0, 1, 2, …), one in flight at a time; a
 * failed send is retried with the same seq until the seat acknowledges it (it acknowledges a repeat without
 * writing twice), and nothing is ever dropped. There is no way to pause or turn the recording off.
 */
import type { MethodArgs, MethodName, MethodResult, SeatBridge } from '../../shared/contract';
import { backoffMs, sleep, toBase64 } from './util';

const PREFERRED_MIME = 'audio/webm;codecs=opus';
const FALLBACK_MIME = 'audio/webm';
const BITS_PER_SECOND = 64_000;
const TIMESLICE_MS = 1000;
const RETRY_BASE_MS = 250;
const RETRY_CAP_MS = 5000;

export interface RecordingOptions {
  seat: SeatBridge;
  attemptId: string;
  audioContext: AudioContext;
  /** The agent's microphone as sent to the customer (muted → silence, as the customer hears it). */
  local: MediaStream;
  /** The customer; must also play in an `<audio>` element, or Chromium feeds Web Audio silence. */
  remote: MediaStream;
  now: () => number;
  MediaRecorderCtor?: typeof MediaRecorder;
}

/** What the seat stored; hash and size are null when its answer was lost and a retry found the file closed. */
export interface Finished {
  sha256: string | null;
  sizeBytes: number | null;
  durationMs: number;
}

export interface CallRecording {
  readonly recordingId: string;
  /** A moment on the timeline (script answers, disclosures), at the current offset from the start. */
  mark(label: string): Promise<void>;
  /**
   * Stop capturing. Resolves once the recorder has stopped and the audio graph is released (the caller may then
   * close its AudioContext); `finished` resolves once every chunk is stored and the seat has closed the file.
   */
  stop(): Promise<void>;
  readonly finished: Promise<Finished>;
}

/** Starts recording at once; `recording.start` is sent first and chunks wait for its acknowledgement. */
export function startRecording(options: RecordingOptions): CallRecording {
  const { seat, audioContext: ctx, now } = options;
  const Recorder = options.MediaRecorderCtor ?? MediaRecorder;
  const recordingId = crypto.randomUUID();
  const mimeType = Recorder.isTypeSupported(PREFERRED_MIME) ? PREFERRED_MIME : FALLBACK_MIME;

  // Two mono inputs into one stereo stream; 'explicit' + 'discrete' keep the channels apart (no up/down-mix).
  const merger = ctx.createChannelMerger(2);
  const destination = ctx.createMediaStreamDestination();
  destination.channelCount = 2;
  destination.channelCountMode = 'explicit';
  destination.channelInterpretation = 'discrete';
  merger.connect(destination);
  const releaseLocal = feed(ctx, options.local, merger, 0);
  const releaseRemote = feed(ctx, options.remote, merger, 1);

  const recorder = new Recorder(destination.stream, { mimeType, audioBitsPerSecond: BITS_PER_SECOND });
  const queue: { blob: Blob; at: number }[] = [];
  const marks: Promise<void>[] = [];
  let seq = 0;
  let pumping: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;

  const started = send(seat, 'recording.start', { recordingId, attemptId: options.attemptId, mimeType });

  const pump = (): Promise<void> => {
    pumping ??= (async () => {
      await started;
      for (let item = queue[0]; item !== undefined; item = queue[0]) {
        const data = toBase64(new Uint8Array(await item.blob.arrayBuffer()));
        await send(seat, 'recording.chunk', { recordingId, seq, data });
        // From the encoder handing over the chunk to the seat's fsync answered (`npm run bench -- phone`).
        performance.measure('recorder:chunk-to-disk', { start: item.at, end: performance.now() });
        queue.shift();
        seq += 1;
      }
      pumping = null;
    })();
    return pumping;
  };

  recorder.addEventListener('dataavailable', (event) => {
    if (event.data.size === 0) return;
    queue.push({ blob: event.data, at: performance.now() });
    void pump();
  });
  recorder.addEventListener('error', (event) => console.warn('recorder error', event));
  const startedAt = now();
  recorder.start(TIMESLICE_MS);

  let finish: (value: Finished) => void = () => {};
  const finished = new Promise<Finished>((resolve) => {
    finish = resolve;
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (recorder.state !== 'inactive') {
        // The last `dataavailable` fires before `stop`, so the tail is queued by the time this resolves.
        const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
        recorder.stop();
        await stopped;
      }
      const durationMs = Math.max(0, Math.round(now() - startedAt));
      releaseLocal();
      releaseRemote();
      merger.disconnect();
      void (async () => {
        // Drain: a chunk queued while an earlier pump was finishing starts a new pump.
        while (queue.length > 0 || pumping) await (pumping ?? pump());
        await Promise.allSettled(marks);
        const closed = await send(seat, 'recording.finish', { recordingId, durationMs }, true);
        finish({ sha256: closed?.sha256 ?? null, sizeBytes: closed?.sizeBytes ?? null, durationMs });
      })();
    })();
    return stopping;
  };

  const mark = (label: string): Promise<void> => {
    if (stopping) return Promise.reject(new Error('录音已结束，无法标记'));
    const offsetMs = Math.max(0, Math.round(now() - startedAt));
    const sent = started
      .then(() => send(seat, 'recording.mark', { recordingId, offsetMs, label }))
      .then(() => {});
    marks.push(sent);
    return sent;
  };

  return { recordingId, mark, stop, finished };
}

/** Connects every audio track of `stream` (and tracks added later, e.g. a re-INVITE's) to one merger input. */
function feed(ctx: AudioContext, stream: MediaStream, merger: ChannelMergerNode, input: 0 | 1): () => void {
  const sources: MediaStreamAudioSourceNode[] = [];
  const connect = (track: MediaStreamTrack) => {
    if (track.kind !== 'audio') return;
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    source.connect(merger, 0, input);
    sources.push(source);
  };
  const onAdd = (event: MediaStreamTrackEvent) => connect(event.track);
  for (const track of stream.getAudioTracks()) connect(track);
  stream.addEventListener('addtrack', onAdd);
  return () => {
    stream.removeEventListener('addtrack', onAdd);
    for (const source of sources) source.disconnect();
  };
}

/**
 * Sends until the seat says yes. Evidence must not be lost, so there is no give-up: a seat that is down or
 * busy is waited for (the chunks stay in memory meanwhile).
 */
async function send<M extends MethodName>(
  seat: SeatBridge,
  method: M,
  args: MethodArgs<M>,
  conflictMeansDone = false,
): Promise<MethodResult<M> | null> {
  let uncertain = false;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const result = await seat.invoke(method, args);
      if (result.ok) return result.value;
      // An earlier try whose answer was lost did land (e.g. the recording is closed already): done, result unknown.
      if (conflictMeansDone && uncertain && result.error.code === 'CONFLICT') return null;
      console.warn(`${method} refused (try ${attempt + 1})`, result.error.code, result.error.message);
    } catch (error) {
      uncertain = true;
      console.warn(`${method} failed (try ${attempt + 1})`, error);
    }
    await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
  }
}
