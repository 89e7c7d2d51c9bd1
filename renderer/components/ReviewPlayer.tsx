import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReviewMarker, ReviewPlayback } from '../../shared/contract/review';
import { formatDuration } from '../app/format';

export type Channel = 'both' | 'agent' | 'customer';
const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;

/**
 * Which ears hear what: the recording is agent left, customer right. "Both" keeps it as recorded; one side
 * plays that channel in both ears. The element's output goes through Web Audio from its first play on (a
 * media element can be routed once, and only after a gesture may its context start); what leaves for the
 * ears is measured per side, about ten times a second while playing, for the player's output meters.
 */
function useChannelRouting(
  audio: React.RefObject<HTMLAudioElement | null>,
  channel: Channel,
  playing: boolean,
): { left: number; right: number } {
  const graph = useRef<{
    ctx: AudioContext;
    splitter: ChannelSplitterNode;
    merger: ChannelMergerNode;
    ears: [AnalyserNode, AnalyserNode];
  } | null>(null);
  const [levels, setLevels] = useState({ left: 0, right: 0 });
  useEffect(() => {
    const element = audio.current;
    if (!element || (!playing && !graph.current)) return;
    if (!graph.current) {
      const ctx = new AudioContext();
      const source = ctx.createMediaElementSource(element);
      const splitter = ctx.createChannelSplitter(2);
      const merger = ctx.createChannelMerger(2);
      const out = ctx.createChannelSplitter(2);
      const ears: [AnalyserNode, AnalyserNode] = [ctx.createAnalyser(), ctx.createAnalyser()];
      source.connect(splitter);
      merger.connect(ctx.destination);
      merger.connect(out);
      out.connect(ears[0], 0);
      out.connect(ears[1], 1);
      graph.current = { ctx, splitter, merger, ears };
    }
    const { ctx, splitter, merger } = graph.current;
    void ctx.resume();
    splitter.disconnect();
    const [toLeft, toRight] = channel === 'agent' ? [0, 0] : channel === 'customer' ? [1, 1] : [0, 1];
    splitter.connect(merger, toLeft, 0);
    splitter.connect(merger, toRight, 1);
  }, [audio, channel, playing]);
  useEffect(() => {
    const ears = graph.current?.ears;
    if (!playing || !ears) return;
    const samples = new Float32Array(ears[0].fftSize);
    const peak = (ear: AnalyserNode) => {
      ear.getFloatTimeDomainData(samples);
      let max = 0;
      for (const v of samples) max = Math.max(max, Math.abs(v));
      return Math.round(max * 100) / 100;
    };
    const timer = setInterval(() => setLevels({ left: peak(ears[0]), right: peak(ears[1]) }), 100);
    return () => {
      clearInterval(timer);
      setLevels({ left: 0, right: 0 });
    };
  }, [playing]);
  useEffect(
    () => () => {
      void graph.current?.ctx.close();
    },
    [],
  );
  return levels;
}

/** What one ear gets, 0–1. */
function EarMeter({ label, value }: { label: string; value: number }) {
  return <meter className="ear" aria-label={label} min={0} max={1} value={value} />;
}

/** The two channels' peaks, agent above the line and customer below. */
function Waveform({ peaks }: { peaks: ReviewPlayback['peaks'] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    const g = el?.getContext('2d');
    if (!el || !g) return;
    const width = el.clientWidth * devicePixelRatio;
    const height = el.clientHeight * devicePixelRatio;
    el.width = width;
    el.height = height;
    const mid = height / 2;
    const styles = getComputedStyle(el);
    const draw = (values: number[], color: string, direction: 1 | -1) => {
      g.fillStyle = color;
      const step = width / Math.max(values.length, 1);
      values.forEach((v, i) => {
        const h = Math.max(1, v * (mid - 2));
        g.fillRect(i * step, direction === 1 ? mid - h : mid, Math.max(1, step - 0.5), h);
      });
    };
    g.clearRect(0, 0, width, height);
    draw(peaks.left, styles.getPropertyValue('--agent').trim() || '#0b5cad', 1);
    draw(peaks.right, styles.getPropertyValue('--customer').trim() || '#1a7f37', -1);
  }, [peaks]);
  return <canvas ref={canvas} className="waveform-canvas" />;
}

/**
 * A supervisor's player for a recording from head office: streamed (the seat's host passes the player's Range
 * requests on to head office's playback copy, so it seeks at once), with the waveform, a marker on the
 * timeline for every answer and disclosure, channel choice and speed. Keys in the player: Space plays or
 * pauses, ←/→ move 5 s, ↑/↓ go to the previous or next marker.
 */
export function ReviewPlayer({
  playback,
  markers,
  position: shared,
  startAtMs,
  renew,
}: {
  playback: ReviewPlayback;
  markers: ReviewMarker[];
  /** Kept at the player's position (ms), for what is placed at a moment of the recording. */
  position?: { current: number } | undefined;
  /** Where to start (a finding's moment): the player seeks there and plays once the recording is open. */
  startAtMs?: number | undefined;
  /**
   * A fresh link when the one in use has lapsed (head office's links last 10 minutes, #14): the player goes
   * on from where it was.
   */
  renew?: (() => Promise<string | null>) | undefined;
}) {
  const { t, i18n } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [position, setPosition] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [channel, setChannel] = useState<Channel>('both');
  const [speed, setSpeed] = useState(1);
  const ears = useChannelRouting(audio, channel, playing);
  const duration = playback.durationMs;
  const language = i18n.language.startsWith('en') ? 'en' : 'zh';
  const [src, setSrc] = useState(playback.url);
  /** Where to go on, and whether to play, once a renewed link has opened. */
  const resume = useRef<{ at: number; play: boolean } | null>(null);
  const renewedAt = useRef(0);
  useEffect(() => setSrc(playback.url), [playback.url]);

  // A read refused (the link lapsed while paused or seeking): one fresh link at most every 10 s.
  const onError = (element: HTMLAudioElement) => {
    if (!renew || Date.now() - renewedAt.current < 10_000) return;
    renewedAt.current = Date.now();
    resume.current = { at: element.currentTime, play: !element.paused || playing };
    void renew().then(
      (url) => url && setSrc(url),
      () => {},
    );
  };

  useEffect(() => {
    if (audio.current) audio.current.playbackRate = speed;
  }, [speed]);
  useEffect(() => {
    if (shared) shared.current = position;
  }, [shared, position]);

  const seek = (ms: number, play = false) => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = Math.max(0, Math.min(duration, ms)) / 1000;
    setPosition(el.currentTime * 1000);
    if (play) void el.play();
  };
  const toggle = () => {
    const el = audio.current;
    if (!el) return;
    if (el.paused) void el.play();
    else el.pause();
  };
  const nextMarker = (direction: 1 | -1) => {
    const now = audio.current ? audio.current.currentTime * 1000 : position;
    const target =
      direction === 1
        ? markers.find((m) => m.offsetMs > now + 250)
        : [...markers].reverse().find((m) => m.offsetMs < now - 1000);
    if (target) seek(target.offsetMs, true);
  };
  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'SELECT') return;
    if (e.key === ' ') toggle();
    else if (e.key === 'ArrowLeft') seek(position - 5000);
    else if (e.key === 'ArrowRight') seek(position + 5000);
    else if (e.key === 'ArrowUp') nextMarker(-1);
    else if (e.key === 'ArrowDown') nextMarker(1);
    else return;
    e.preventDefault();
  };
  const pct = (ms: number) => `${duration > 0 ? Math.min(100, (ms / duration) * 100) : 0}%`;

  return (
    <section className="review-player" aria-label={t('review.player')} onKeyDown={onKey}>
      {/* biome-ignore lint/a11y/useMediaCaption: a call recording has no captions to offer */}
      <audio
        ref={audio}
        src={src}
        preload="metadata"
        onError={(e) => onError(e.currentTarget)}
        onLoadedMetadata={(e) => {
          const goOn = resume.current;
          if (goOn) {
            resume.current = null;
            e.currentTarget.currentTime = goOn.at;
            if (goOn.play) void e.currentTarget.play().catch(() => {});
            return;
          }
          if (startAtMs === undefined) return;
          e.currentTarget.currentTime = startAtMs / 1000;
          void e.currentTarget.play().catch(() => {});
        }}
        onTimeUpdate={(e) => setPosition(e.currentTarget.currentTime * 1000)}
        onSeeked={(e) => setPosition(e.currentTarget.currentTime * 1000)}
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        data-testid="review-audio"
      />
      <div className="waveform">
        <Waveform peaks={playback.peaks} />
        <button
          type="button"
          className="waveform-seek"
          aria-label={t('review.seekBar')}
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            seek(((e.clientX - box.left) / box.width) * duration);
          }}
        />
        {markers.map((m) => (
          <span
            key={`${m.stepId}-${m.offsetMs}`}
            className={`waveform-marker marker-${m.kind}`}
            style={{ left: pct(m.offsetMs) }}
            aria-hidden="true"
          />
        ))}
        <span className="waveform-head" style={{ left: pct(position) }} aria-hidden="true" />
      </div>
      <div className="player-controls">
        <button type="button" className="primary" onClick={toggle}>
          {playing ? t('review.pause') : t('review.play')}
        </button>
        <span className="mono" aria-live="off">
          {formatDuration(position)} / {formatDuration(duration)}
        </span>
        <label>
          {t('review.channel')}
          <select value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
            <option value="both">{t('review.channels.both')}</option>
            <option value="agent">{t('review.channels.agent')}</option>
            <option value="customer">{t('review.channels.customer')}</option>
          </select>
        </label>
        <label>
          {t('review.speed')}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <span className="ears">
          <EarMeter label={t('review.leftEar')} value={ears.left} />
          <EarMeter label={t('review.rightEar')} value={ears.right} />
        </span>
        <span className="muted legend">
          <span className="swatch agent" /> {t('review.channels.agent')}
          <span className="swatch customer" /> {t('review.channels.customer')}
        </span>
      </div>
      <ol className="markers" aria-label={t('review.markers')}>
        {markers.map((m) => (
          <li key={`${m.stepId}-${m.offsetMs}`}>
            <button
              type="button"
              className={`marker-jump marker-${m.kind}`}
              onClick={() => seek(m.offsetMs, true)}
              aria-current={position >= m.offsetMs && position < m.offsetMs + 1000 ? 'true' : undefined}
            >
              <span className="mono">{formatDuration(m.offsetMs)}</span>
              <span className={`tag marker-tag-${m.kind}`}>{t(`review.kinds.${m.kind}`)}</span>
              <span className="marker-label">{m.label ? m.label[language] : m.stepId}</span>
              <span className="marker-value">{answerText(m.value, t)}</span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

function answerText(value: unknown, t: (key: string) => string): string {
  if (value === true) return t('review.answer.yes');
  if (value === false) return t('review.answer.no');
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join('、');
  return String(value);
}
