import type { SeatBridge } from '../../shared/contract';
import { call } from './seat-context';

const SLICE = 512 * 1024;

/** One of the agent's recordings read from the seat in slices, as an object URL to play (revoke it after). */
export async function recordingUrl(seat: SeatBridge, recordingId: string): Promise<string> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  let size = 1;
  let mimeType = 'audio/webm';
  while (offset < size) {
    const slice = await call(seat, 'recording.read', { recordingId, offset, length: SLICE });
    const bytes = Uint8Array.from(atob(slice.data), (c) => c.charCodeAt(0));
    parts.push(bytes);
    offset += bytes.length;
    size = slice.sizeBytes;
    mimeType = slice.mimeType;
    if (bytes.length === 0) break;
  }
  return URL.createObjectURL(new Blob(parts as BlobPart[], { type: mimeType }));
}
