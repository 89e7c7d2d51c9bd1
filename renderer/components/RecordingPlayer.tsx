import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { recordingUrl } from '../app/recording-url';
import { useSeat } from '../app/seat-context';

/**
 * Playback of one of the agent's recordings, read from the seat (each playback is audited there): `play(id)`
 * loads it, `player` is the audio element to place (null until something plays).
 */
export function useRecordingPlayer(onError: (error: unknown) => void) {
  const { t } = useTranslation();
  const seat = useSeat();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);

  async function play(recordingId: string) {
    try {
      setUrl(await recordingUrl(seat, recordingId));
    } catch (e) {
      onError(e);
    }
  }

  const player = url && (
    // biome-ignore lint/a11y/useMediaCaption: a call recording has no captions to offer
    <audio className="player" controls autoPlay src={url} aria-label={t('recordings.player')} />
  );
  return { play, player };
}
