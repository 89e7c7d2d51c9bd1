/**
 * A text's length against the contract's limit, counted as its schemas count (UTF-16 units,
 * `string.length`): what `LengthCount` shows (1,980 / 2,000) and by how much a text is over.
 */
export function lengthCount(text: string, max: number): { shown: string; over: number } {
  const n = (value: number) => value.toLocaleString('en-US');
  return { shown: `${n(text.length)} / ${n(max)}`, over: Math.max(0, text.length - max) };
}

/** Whether the text fits the limit `LengthCount` shows. */
export const fits = (text: string, max: number) => text.length <= max;
