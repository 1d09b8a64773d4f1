/**
 * Checks on evidence uploads (reports, letters, photos of documents).
 *
 * The type of a file is decided from its content (its "magic bytes", read by `file-type`),
 * never from its name or the MIME type the browser sent: both are chosen by the sender. Only a
 * short list of document and image formats is accepted; everything else (executables, HTML,
 * SVG, archives, plain text, old binary Word files) is refused.
 *
 * A file of an accepted type is then looked into, as an attacker's file would not be what it
 * seems: a PDF must hold no scripts, launch actions or attached files (pdf-check.ts); a picture
 * nothing after its end and no markup (image-check.ts); a Word or OpenDocument file no macros,
 * and nothing out of proportion when opened (archive-check.ts). Its name and the type the
 * browser sent must agree with what it is. First of all, when clamd is configured, it is scanned
 * for viruses (clamd.ts); when clamd cannot answer, the file is refused (fail closed).
 *
 * The error messages follow the GOV.UK Design System file upload component.
 */
import { fileTypeFromBuffer, supportedExtensions } from 'file-type';
import type { DocumentStorage } from '../../case/storage.ts';
import { findArchiveProblem } from './archive-check.ts';
import type { VirusScanner } from './clamd.ts';
import { imageHidesContent } from './image-check.ts';
import { findPdfActiveContent } from './pdf-check.ts';

/** A file as a form sent it. */
export type UploadedFile = { filename: string; data: Buffer; declaredType?: string | undefined };

/** Where an accepted file goes, and the virus scanner it passes first (none when unset). */
export type UploadDestination = { storage: DocumentStorage; scanner: VirusScanner | null };

/** Largest accepted file: 20 MB. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** Most files accepted in one request. */
export const MAX_UPLOADS_PER_REQUEST = 20;

export type UploadKind = 'pdf' | 'docx' | 'odt' | 'jpeg' | 'png' | 'heic';

export type UploadProblem =
  | 'empty'
  | 'too-large'
  | 'wrong-type'
  | 'mismatch'
  | 'pdf-script'
  | 'pdf-attachment'
  | 'hidden-content'
  | 'too-large-expanded'
  | 'macros'
  | 'damaged'
  | 'virus'
  | 'scan-unavailable';

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
  | {
      ok: false;
      problem: UploadProblem;
      message: string;
      /** For a virus: the name of the signature clamd matched (for the audit record). */
      signature?: string;
    };

export const UPLOAD_MESSAGES: Readonly<Record<UploadProblem, string>> = {
  empty: 'The selected file is empty',
  'too-large': 'The selected file must be smaller than 20 MB',
  'wrong-type':
    'The selected file must be a PDF, Word document (.docx), OpenDocument text (.odt), JPEG, PNG or HEIC',
  mismatch: 'The selected file must be the type its name says',
  'pdf-script':
    'The selected PDF must not contain scripts or actions that run when it is opened – save it again as a new PDF (print it, choosing ‘Save as PDF’) and upload that',
  'pdf-attachment':
    'The selected PDF must not contain attached files – upload each file on its own',
  'hidden-content':
    'The selected picture must contain only the picture – save it again as a JPEG or PNG (a screenshot will do) and upload that',
  'too-large-expanded':
    'The selected document is too large when opened – save it as a PDF, or split it into smaller documents',
  macros:
    'The selected document must not contain macros or embedded programs – save it without them, or as a PDF',
  damaged: 'The selected file could not be read – it may be damaged. Save it again and upload that',
  virus: 'The selected file contains a virus',
  'scan-unavailable': 'The selected file could not be checked for viruses – try again later',
};

const KIND_LABELS: Readonly<Record<UploadKind, string>> = {
  pdf: 'PDF',
  docx: 'Word document',
  odt: 'OpenDocument text',
  jpeg: 'JPEG picture',
  png: 'PNG picture',
  heic: 'HEIC picture',
};

/** The file name extensions each kind may be given. */
const KIND_EXTENSIONS: Readonly<Record<UploadKind, readonly string[]>> = {
  pdf: ['pdf'],
  docx: ['docx'],
  odt: ['odt'],
  jpeg: ['jpg', 'jpeg', 'jpe', 'jfif', 'pjpeg', 'pjp'],
  png: ['png', 'apng'],
  heic: ['heic', 'heif', 'hif'],
};

/**
 * Extensions that name a type: those `file-type` knows, and text formats it cannot detect.
 * A name ending in anything else ("Report v2.1 by J.Smith") says nothing about the type.
 */
const TYPE_EXTENSIONS: ReadonlySet<string> = new Set([
  ...supportedExtensions,
  ...Object.values(KIND_EXTENSIONS).flat(),
  ...['htm', 'html', 'xhtml', 'svg', 'js', 'mjs', 'txt', 'csv', 'rtf', 'doc', 'xls', 'ppt'],
  ...['docm', 'dotm', 'xlsm', 'bat', 'cmd', 'com', 'scr', 'vbs', 'ps1', 'hta', 'lnk', 'jar'],
]);

/** Types a browser may send that say only "a file", or vary by system for documents. */
function declaredTypeContradicts(kind: UploadKind, declared: string): boolean {
  const type = declared.split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream') return false;
  const isImage = kind === 'jpeg' || kind === 'png' || kind === 'heic';
  if (type.startsWith('image/')) return !isImage || type === 'image/svg+xml';
  if (type === 'application/pdf' || type === 'application/x-pdf') return kind !== 'pdf';
  // Anything a browser would run or show as a page.
  return /^(text\/html|application\/xhtml\+xml|(text|application)\/(x-)?javascript|text\/xml|application\/xml)$/.test(
    type,
  );
}

function mismatch(message: string): UploadCheck {
  return { ok: false, problem: 'mismatch', message };
}

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

/**
 * Decides whether an uploaded file is accepted, from its size and content, its name and the
 * type the browser sent (`declaredType`); with a `scanner`, a virus scan too.
 */
export async function checkUpload(
  input: UploadedFile,
  options: { scanner?: VirusScanner | null } = {},
): Promise<UploadCheck> {
  const { data } = input;
  if (data.length === 0) return refuse('empty');
  if (data.length > MAX_UPLOAD_BYTES) return refuse('too-large');

  // The scan comes first, so that a virus is refused (and audited) as one, whatever its type.
  if (options.scanner) {
    const scanned = await options.scanner.scan(data);
    if (scanned.status === 'infected') {
      return { ...refuse('virus'), signature: scanned.signature } as UploadCheck;
    }
    if (scanned.status === 'unavailable') return refuse('scan-unavailable');
  }

  let detectedMime: string | undefined;
  try {
    detectedMime = (await fileTypeFromBuffer(data))?.mime;
  } catch {
    // A detector tripping over a malformed or hostile file: not a file we can vouch for.
    detectedMime = undefined;
  }
  const accepted = detectedMime === undefined ? undefined : ACCEPTED.get(detectedMime);
  if (!accepted) return refuse('wrong-type');
  const label = KIND_LABELS[accepted.kind];

  const extension = TRAILING_EXTENSION.exec(input.filename.split(/[/\\]/u).pop() ?? '')?.[0]
    .slice(1)
    .toLowerCase();
  if (
    extension !== undefined &&
    TYPE_EXTENSIONS.has(extension) &&
    !KIND_EXTENSIONS[accepted.kind].includes(extension)
  ) {
    return mismatch(
      `The selected file is a ${label} but its name ends in .${extension} – rename it or choose another file`,
    );
  }
  if (input.declaredType && declaredTypeContradicts(accepted.kind, input.declaredType)) {
    const sentAs = input.declaredType.split(';')[0]!.trim().toLowerCase().slice(0, 60);
    return mismatch(
      `The selected file is a ${label} but was sent as ${sentAs} – choose another file`,
    );
  }

  const problem =
    accepted.kind === 'pdf'
      ? await findPdfActiveContent(data)
      : accepted.kind === 'docx' || accepted.kind === 'odt'
        ? await findArchiveProblem(accepted.kind, data)
        : imageHidesContent(accepted.kind, data)
          ? 'hidden-content'
          : null;
  if (problem) return refuse(problem);

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
