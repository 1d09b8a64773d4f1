/**
 * Checks on evidence uploads (reports, letters, photos of documents).
 *
 * The type of a file is decided from its content (its "magic bytes", read by `file-type`),
 * never from its name or the MIME type the browser sent: both are chosen by the sender. Only a
 * short list of document and image formats is accepted; everything else (executables, HTML,
 * SVG, archives, plain text, old binary Word files) is refused.
 *
 * The error messages follow the GOV.UK Design System file upload component.
 */
import { fileTypeFromBuffer } from 'file-type';

/** Largest accepted file: 20 MB. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** Most files accepted in one request. */
export const MAX_UPLOADS_PER_REQUEST = 20;

export type UploadKind = 'pdf' | 'docx' | 'odt' | 'jpeg' | 'png' | 'heic';

export type UploadProblem = 'empty' | 'too-large' | 'wrong-type';

export type UploadCheck =
  | {
      ok: true;
      kind: UploadKind;
      /** MIME type to store and serve the file with (from the detected type). */
      contentType: string;
      /** File name extension of the detected type, without the dot. */
      extension: string;
      /** The user's file name, cleaned, ending with `extension`. */
      safeName: string;
      sizeBytes: number;
    }
  | { ok: false; problem: UploadProblem; message: string };

export const UPLOAD_MESSAGES: Readonly<Record<UploadProblem, string>> = {
  empty: 'The selected file is empty',
  'too-large': 'The selected file must be smaller than 20 MB',
  'wrong-type':
    'The selected file must be a PDF, Word document (.docx), OpenDocument text (.odt), JPEG, PNG or HEIC',
};

interface AcceptedType {
  kind: UploadKind;
  contentType: string;
  extension: string;
}

/**
 * Accepted types, keyed by the MIME type `file-type` reports. Anything not listed is refused,
 * including `application/x-cfb` (old .doc, but also .msi installers and .xls/.ppt), macro-enabled
 * Word files (.docm) and HEIC image sequences.
 */
const ACCEPTED: ReadonlyMap<string, AcceptedType> = new Map<string, AcceptedType>([
  ['application/pdf', { kind: 'pdf', contentType: 'application/pdf', extension: 'pdf' }],
  [
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    {
      kind: 'docx',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      extension: 'docx',
    },
  ],
  [
    'application/vnd.oasis.opendocument.text',
    { kind: 'odt', contentType: 'application/vnd.oasis.opendocument.text', extension: 'odt' },
  ],
  ['image/jpeg', { kind: 'jpeg', contentType: 'image/jpeg', extension: 'jpg' }],
  ['image/png', { kind: 'png', contentType: 'image/png', extension: 'png' }],
  // An animated PNG is still a valid PNG (every viewer shows its first frame).
  ['image/apng', { kind: 'png', contentType: 'image/png', extension: 'png' }],
  ['image/heic', { kind: 'heic', contentType: 'image/heic', extension: 'heic' }],
  ['image/heif', { kind: 'heic', contentType: 'image/heif', extension: 'heic' }],
]);

function refuse(problem: UploadProblem): UploadCheck {
  return { ok: false, problem, message: UPLOAD_MESSAGES[problem] };
}

/** Decides whether an uploaded file is accepted, from its size and content. */
export async function checkUpload(input: { filename: string; data: Buffer }): Promise<UploadCheck> {
  const { data } = input;
  if (data.length === 0) return refuse('empty');
  if (data.length > MAX_UPLOAD_BYTES) return refuse('too-large');

  let detectedMime: string | undefined;
  try {
    detectedMime = (await fileTypeFromBuffer(data))?.mime;
  } catch {
    // A detector tripping over a malformed or hostile file: not a file we can vouch for.
    detectedMime = undefined;
  }
  const accepted = detectedMime === undefined ? undefined : ACCEPTED.get(detectedMime);
  if (!accepted) return refuse('wrong-type');

  return {
    ok: true,
    kind: accepted.kind,
    contentType: accepted.contentType,
    extension: accepted.extension,
    safeName: safeFileName(input.filename, accepted.extension),
    sizeBytes: data.length,
  };
}

const MAX_BASE_NAME_LENGTH = 80;

/** A trailing extension: a dot then 1 to 10 letters or digits, at least one a letter. */
const TRAILING_EXTENSION = /\.(?=[\p{L}\p{Nd}]*\p{L})[\p{L}\p{Nd}]{1,10}$/u;

function trimDotsAndSpaces(value: string): string {
  return value.replace(/^[. ]+|[. ]+$/gu, '');
}

/**
 * A file name safe to show and to offer for download: the last path segment of `original`,
 * keeping only letters, digits, spaces and . - _ ( ) ', with its extension replaced by
 * `extension` (the one of the detected type). For example `C:\Users\x\report.exe` detected as a
 * PDF becomes `report.pdf`. Falls back to `document.<extension>`.
 */
export function safeFileName(original: string, extension: string): string {
  const ext = extension.toLowerCase().replace(/[^a-z0-9]/gu, '');
  const lastSegment = original.split(/[/\\]/u).pop() ?? '';

  let name = lastSegment
    .normalize('NFC')
    .replace(/[\u2018\u2019]/gu, "'") // typographic apostrophes, as typed on phones and Macs
    .replace(/\p{Cc}/gu, (c) => (/\s/u.test(c) ? ' ' : '')) // tabs and newlines become spaces
    .replace(/\s/gu, ' ')
    .replace(/[^\p{L}\p{M}\p{Nd} .\-_()']/gu, '')
    .replace(/ {2,}/gu, ' ');
  name = trimDotsAndSpaces(name);
  name = trimDotsAndSpaces(name.replace(TRAILING_EXTENSION, ''));
  // Cut by code points so that a character outside the BMP is never split in half.
  name = trimDotsAndSpaces(Array.from(name).slice(0, MAX_BASE_NAME_LENGTH).join(''));

  return `${name === '' ? 'document' : name}.${ext}`;
}
