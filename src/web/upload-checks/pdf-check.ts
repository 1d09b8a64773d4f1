/**
 * Active content in a PDF: scripts, actions that start programs, attached files, Flash and XFA
 * forms. A PDF sent as evidence is a printed page; none of these has a place in one, and each is
 * a way in for an attacker when the LA's staff open the file in a desktop reader.
 *
 * The file is parsed with pdf-lib (the maintained @cantoo fork), which reads every object in the
 * file in order, including those packed into compressed object streams, and decodes names
 * written with #hex escapes (/J#61vaScript is /JavaScript). Every dictionary, direct or nested,
 * is walked. A file pdf-lib cannot parse is refused as damaged: what cannot be read cannot be
 * vouched for.
 *
 * A second look goes over the raw bytes for the long names only, so that an object shadowed by
 * a later one with the same number (incremental updates; pdf-lib keeps the last, a reader
 * follows the cross-reference table) still shows. The short names (/JS, /AA, /XFA) are left
 * out of that look: three bytes occur by chance in compressed data.
 */
import {
  ParseSpeeds,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFStream,
  type PDFObject,
} from '@cantoo/pdf-lib';

export type PdfProblem = 'pdf-script' | 'pdf-attachment' | 'damaged';

/** Keys whose presence alone means active content (the value is a script, an action, a form). */
const SCRIPT_KEYS = new Set(['JS', 'JavaScript', 'AA', 'Launch', 'RichMedia', 'XFA']);
/** Values (action types, annotation subtypes) that run something. */
const SCRIPT_VALUES = new Set(['JavaScript', 'Launch', 'RichMedia', 'ImportData', 'Rendition']);
const ATTACHMENT_KEYS = new Set(['EmbeddedFile', 'EmbeddedFiles']);
const ATTACHMENT_VALUES = new Set(['EmbeddedFile', 'FileAttachment', 'GoToE']);

const RAW_SCRIPT_NAMES = new Set(['javascript', 'launch', 'richmedia']);
const RAW_ATTACHMENT_NAMES = new Set(['embeddedfile', 'embeddedfiles', 'fileattachment']);

function nameOf(object: PDFObject): string | null {
  return object instanceof PDFName ? object.decodeText() : null;
}

/** The worst problem found in one object, walking its nested dictionaries and arrays. */
function walk(object: PDFObject, depth: number): 'pdf-script' | 'pdf-attachment' | null {
  // Nesting deeper than this is not a printed page: a hostile file trying to exhaust the stack.
  if (depth > 64) return 'pdf-script';
  let found: 'pdf-script' | 'pdf-attachment' | null = null;
  const note = (problem: 'pdf-script' | 'pdf-attachment' | null) => {
    if (problem === 'pdf-script' || (problem && !found)) found = problem;
  };
  const dict =
    object instanceof PDFDict ? object : object instanceof PDFStream ? object.dict : null;
  if (dict) {
    for (const [key, value] of dict.entries()) {
      const name = key.decodeText();
      if (SCRIPT_KEYS.has(name)) note('pdf-script');
      else if (ATTACHMENT_KEYS.has(name)) note('pdf-attachment');
      const valueName = nameOf(value);
      if (valueName !== null) {
        if (SCRIPT_VALUES.has(valueName)) note('pdf-script');
        else if (ATTACHMENT_VALUES.has(valueName)) note('pdf-attachment');
      } else {
        note(walk(value, depth + 1));
      }
      if (found === 'pdf-script') return found;
    }
  } else if (object instanceof PDFArray) {
    for (const item of object.asArray()) {
      const itemName = nameOf(item);
      if (itemName !== null && SCRIPT_VALUES.has(itemName)) note('pdf-script');
      else note(walk(item, depth + 1));
      if (found === 'pdf-script') return found;
    }
  }
  return found;
}

/** Names in the raw bytes, #hex escapes decoded, lower-cased. */
function rawNames(data: Buffer): Set<string> {
  const names = new Set<string>();
  const text = data.toString('latin1');
  for (const match of text.matchAll(/\/((?:[A-Za-z]|#[0-9A-Fa-f]{2}){6,20})(?![A-Za-z0-9#])/g)) {
    names.add(
      match[1]!
        .replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .toLowerCase(),
    );
  }
  return names;
}

/** The active content in a PDF, or null when it has none. */
export async function findPdfActiveContent(data: Buffer): Promise<PdfProblem | null> {
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(data, {
      ignoreEncryption: true,
      updateMetadata: false,
      parseSpeed: ParseSpeeds.Fastest,
      // Scanners and old tools write the odd broken object; pdf-lib keeps it as invalid rather
      // than refusing the file, and the raw look below still reads its bytes.
      throwOnInvalidObject: false,
    });
  } catch {
    return 'damaged';
  }
  let found: PdfProblem | null = null;
  for (const [, object] of document.context.enumerateIndirectObjects()) {
    const problem = walk(object, 0);
    if (problem === 'pdf-script') return problem;
    found ??= problem;
  }
  const names = rawNames(data);
  if ([...RAW_SCRIPT_NAMES].some((name) => names.has(name))) return 'pdf-script';
  if ([...RAW_ATTACHMENT_NAMES].some((name) => names.has(name))) found ??= 'pdf-attachment';
  // A catalog pdf-lib could not find means the structure is broken.
  if (!document.catalog) return 'damaged';
  return found;
}
