/**
 * Pictures that hide something else: bytes after the picture's end (a web page, a zip, a
 * program appended to a PNG or a JPEG, which some tools and browsers would read), or markup in
 * the picture's own text fields. A photo or a scan has none of these.
 *
 * Each format is walked by its own structure, which is short and fixed (PNG chunks, JPEG
 * segments, ISO media boxes), to find where the picture ends; whatever follows is refused.
 * The one exception: JPEGs followed by more complete JPEGs, which is how phones store a
 * preview or a depth map (CIPA DC-007, the multi-picture format).
 */

export type ImageKind = 'jpeg' | 'png' | 'heic';

/** Markup a browser would run, looked for anywhere in the picture (lower case). */
const MARKUP = [
  '<script',
  '<html',
  '<!doctype',
  '<iframe',
  '<svg',
  '<body',
  '<?php',
  'javascript:',
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The end of a PNG (just after its IEND chunk), or null when its chunks do not add up. */
function pngEnd(data: Buffer): number | null {
  if (!data.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  let at = 8;
  while (at + 12 <= data.length) {
    const length = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    const next = at + 12 + length;
    if (next > data.length) return null;
    if (type === 'IEND') return next;
    at = next;
  }
  return null;
}

/** The end of the JPEG starting at `start` (just after its EOI), or null when it has none. */
function jpegEnd(data: Buffer, start: number): number | null {
  if (data[start] !== 0xff || data[start + 1] !== 0xd8) return null;
  let at = start + 2;
  while (at + 1 < data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    at += 2;
    if (marker === 0xd9) return at; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (at + 2 > data.length) return null;
    const length = data.readUInt16BE(at);
    if (length < 2 || at + length > data.length) return null;
    at += length;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a
      // restart marker.
      while (at + 1 < data.length) {
        if (data[at] !== 0xff) {
          at += 1;
          continue;
        }
        const following = data[at + 1]!;
        if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) at += 2;
        else if (following === 0xff) at += 1;
        else break;
      }
    }
  }
  return null;
}

/** The end of the last complete JPEG in a run of them, or null when the first is not whole. */
function jpegsEnd(data: Buffer): number | null {
  let end = jpegEnd(data, 0);
  if (end === null) return null;
  for (;;) {
    // Padding between or after the pictures is harmless.
    let next = end;
    while (next < data.length && (data[next] === 0x00 || data[next] === 0xff)) {
      if (data[next] === 0xff && data[next + 1] === 0xd8) break;
      next += 1;
    }
    if (next >= data.length) return data.length;
    const another = jpegEnd(data, next);
    if (another === null) return end;
    end = another;
  }
}

/** The end of the last ISO base media box (HEIC, HEIF), or null when the boxes overrun. */
function isoMediaEnd(data: Buffer): number | null {
  let at = 0;
  while (at + 8 <= data.length) {
    let size = data.readUInt32BE(at);
    if (size === 1) {
      if (at + 16 > data.length) return null;
      size = Number(data.readBigUInt64BE(at + 8));
    } else if (size === 0) {
      return data.length; // the last box runs to the end of the file
    }
    if (size < 8 || at + size > data.length) return null;
    const type = data.toString('latin1', at + 4, at + 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return at;
    at += size;
  }
  return at;
}

function containsMarkup(data: Buffer): boolean {
  const lower = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    lower[i] = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
  }
  return MARKUP.some((marker) => lower.includes(marker, 0, 'latin1'));
}

/** Whether a picture hides something besides the picture. */
export function imageHidesContent(kind: ImageKind, data: Buffer): boolean {
  const end = kind === 'png' ? pngEnd(data) : kind === 'jpeg' ? jpegsEnd(data) : isoMediaEnd(data);
  if (end === null || end !== data.length) return true;
  return containsMarkup(data);
}
