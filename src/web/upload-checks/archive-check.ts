/**
 * Word (.docx) and OpenDocument (.odt) files are zip archives. One can be small to upload and
 * huge to open (a "zip bomb": 1 MB that expands to 1 GiB takes down whatever opens it: the LA's
 * Word, a converter, an indexer), or carry macros and embedded programs.
 *
 * The archive is read with yauzl. Its central directory gives the number of parts and the size
 * each says it expands to; those are checked first, then every part is actually inflated and
 * its bytes counted against the same limit, because the sizes an archive declares can lie
 * (yauzl also refuses a part that inflates to more or less than it declares). Nothing is kept:
 * the bytes are counted and dropped.
 *
 * Limits, chosen from what real documents do:
 * - at most 2,000 parts: a long Word report with many pictures has a few hundred;
 * - at most 100 MB expanded in all: the upload limit is 20 MB, and pictures (most of a large
 *   document) are already compressed, so a real 20 MB document expands to little more;
 * - at most 100 times the file's size beyond the first 10 MB: text (XML) compresses 5 to 20
 *   times, and nothing a person writes reaches 100; within 10 MB the cost is small whatever
 *   the ratio, so tiny documents are never refused for it.
 */
import yauzl from 'yauzl';

export type ArchiveKind = 'docx' | 'odt';
export type ArchiveProblem = 'too-large-expanded' | 'macros' | 'damaged';

export const MAX_ARCHIVE_ENTRIES = 2000;
export const MAX_EXPANDED_BYTES = 100 * 1024 * 1024;
export const MAX_EXPANSION_RATIO = 100;
const RATIO_FREE_BYTES = 10 * 1024 * 1024;

/** The most a file of `size` bytes may expand to. */
export function expandedLimit(size: number): number {
  return Math.min(MAX_EXPANDED_BYTES, Math.max(RATIO_FREE_BYTES, MAX_EXPANSION_RATIO * size));
}

/** Parts that hold macros or programs: VBA projects, ActiveX controls, OLE objects, Basic. */
const MACRO_PARTS: Record<ArchiveKind, RegExp[]> = {
  docx: [
    /(^|\/)vbaProject\.bin$/i,
    /(^|\/)vbaData\.xml$/i,
    /(^|\/)activeX\//i,
    /(^|\/)embeddings\/[^/]*\.bin$/i,
    /(^|\/)oleObject\d*\.bin$/i,
  ],
  // OpenDocument keeps Basic macros and scripts in folders of their own.
  odt: [/^Basic\//i, /^Scripts\//i],
};

/** The part that says what a package is: without it, it is not a real document. */
const REQUIRED_PART: Record<ArchiveKind, string> = {
  docx: '[Content_Types].xml',
  odt: 'mimetype',
};

class Refused extends Error {
  readonly problem: ArchiveProblem;
  constructor(problem: ArchiveProblem) {
    super(problem);
    this.problem = problem;
  }
}

/** Counts a part's inflated bytes, stopping once `budget` is passed. */
async function inflatedSize(stream: NodeJS.ReadableStream, budget: number): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > budget) {
      (stream as unknown as { destroy(): void }).destroy();
      throw new Refused('too-large-expanded');
    }
  }
  return bytes;
}

/** What is wrong with a document archive, or null when nothing is. */
export async function findArchiveProblem(
  kind: ArchiveKind,
  data: Buffer,
): Promise<ArchiveProblem | null> {
  const limit = expandedLimit(data.length);
  let zipfile: yauzl.ZipFile | undefined;
  try {
    zipfile = await yauzl.fromBufferPromise(data, {
      lazyEntries: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
    if (zipfile.entryCount > MAX_ARCHIVE_ENTRIES) return 'too-large-expanded';
    const names = new Set<string>();
    let declared = 0;
    let expanded = 0;
    for await (const entry of zipfile.eachEntry()) {
      names.add(entry.fileName);
      if (MACRO_PARTS[kind].some((pattern) => pattern.test(entry.fileName))) return 'macros';
      declared += entry.uncompressedSize;
      if (declared > limit) return 'too-large-expanded';
      if (entry.fileName.endsWith('/')) continue;
      const stream = await zipfile.openReadStreamPromise(entry);
      expanded += await inflatedSize(stream, limit - expanded);
    }
    if (!names.has(REQUIRED_PART[kind])) return 'damaged';
    return null;
  } catch (error) {
    if (error instanceof Refused) return error.problem;
    return 'damaged';
  } finally {
    zipfile?.close();
  }
}
