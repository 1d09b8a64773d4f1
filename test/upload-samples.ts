/**
 * Small but real sample files for the upload checks, built in code rather than kept as binary
 * fixtures, and hostile ones shaped like those an attacker sends.
 */
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';

/** A one-page PDF with a correct cross-reference table. */
export function samplePdf(): Buffer {
  return pdf(SAMPLE_PDF_OBJECTS);
}

const SAMPLE_PDF_OBJECTS = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
];

/**
 * A PDF of `objects` (numbered from 1; the first is the catalog) with a correct cross-reference
 * table. An object may be bytes (a stream with binary data).
 */
export function pdf(objects: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.5\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const bytes = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(bytes);
    length += bytes.length;
  });
  let text = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(text, 'latin1'));
  return Buffer.concat(parts);
}

/** A one-page PDF of exactly `size` bytes: its content stream is padded with spaces. */
export function pdfOfSize(size: number): Buffer {
  const build = (spaces: number) =>
    pdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
      pdfStream('', Buffer.alloc(spaces, 0x20)),
    ]);
  // Numbers in the file (the stream's length, the xref's offset) grow with the padding.
  let spaces = 0;
  let data = build(spaces);
  while (data.length !== size) {
    spaces += size - data.length;
    data = build(spaces);
  }
  return data;
}

/** A PDF object holding a stream of `data`. */
export function pdfStream(dictionary: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A 1 x 1 red pixel PNG: signature, IHDR, IDAT, IEND. */
export function samplePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression, filter and interlace methods stay 0
  const scanline = Buffer.from([0, 0xff, 0, 0]); // filter type 0, then R G B
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(scanline)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of a JFIF JPEG (SOI, APP0 JFIF segment) and its end marker. */
export function sampleJpeg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]), // SOI
    Buffer.from([0xff, 0xe0, 0x00, 0x10]), // APP0, length 16
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.from([0xff, 0xd9]), // EOI
  ]);
}

/** An ISO base media file starting with an `ftyp` box of the given major brand. */
export function sampleIsoMedia(majorBrand: string): Buffer {
  const brands = [majorBrand, 'mif1', 'heic'];
  const box = Buffer.alloc(16 + brands.length * 4);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(majorBrand, 8, 'latin1');
  box.writeUInt32BE(0, 12); // minor version
  brands.forEach((brand, i) => box.write(brand, 16 + i * 4, 'latin1'));
  // An empty `meta` full box after it, as in a real HEIF file.
  const meta = Buffer.alloc(12);
  meta.writeUInt32BE(12, 0);
  meta.write('meta', 4, 'latin1');
  return Buffer.concat([box, meta]);
}

/** An entry already compressed (raw deflate), with its sizes and CRC as the archive states them. */
export type DeflatedEntry = {
  name: string;
  deflated: Buffer;
  crc: number;
  /** The size the archive declares, whatever the data really expands to. */
  uncompressedSize: number;
};

/** A zip archive: entries given as data are stored uncompressed; deflated ones as given. */
export function zip(entries: ({ name: string; data: string | Buffer } | DeflatedEntry)[]): Buffer {
  const DOS_DATE_1980_01_01 = 0x0021;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const stored = 'data' in entry;
    const data = stored
      ? typeof entry.data === 'string'
        ? Buffer.from(entry.data, 'utf8')
        : entry.data
      : entry.deflated;
    const crc = stored ? crc32(data) : entry.crc;
    const uncompressedSize = stored ? data.length : entry.uncompressedSize;
    const method = stored ? 0 : 8;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed to extract: 2.0
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(method, 8); // method: 0 stored, 8 deflated
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12); // date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); // compressed size
    local.writeUInt32LE(uncompressedSize, 22); // uncompressed size
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed to extract
    central.writeUInt16LE(0, 8); // flags
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12); // time
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14); // date
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment, disk number, internal and external attributes stay 0
    central.writeUInt32LE(offset, 42); // offset of the local header
    centrals.push(central, name);

    offset += local.length + name.length + data.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(entries.length, 8); // entries on this disk
  end.writeUInt16LE(entries.length, 10); // entries in total
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16); // offset of the central directory
  return Buffer.concat([...locals, centralDirectory, end]);
}

export function contentTypes(mainContentType: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/word/document.xml" ContentType="${mainContentType}"/>` +
    '</Types>'
  );
}

export const PACKAGE_RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  '</Relationships>';

export const WORD_DOCUMENT =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
  '<w:body><w:p><w:r><w:t>Advice from the educational psychologist</w:t></w:r></w:p></w:body>' +
  '</w:document>';

export function wordPackage(mainContentType: string): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(mainContentType) },
    { name: '_rels/.rels', data: PACKAGE_RELS },
    { name: 'word/document.xml', data: WORD_DOCUMENT },
  ]);
}

export function sampleDocx(): Buffer {
  return wordPackage(DOCX_MAIN);
}

export function sampleOdt(extra: { name: string; data: string | Buffer }[] = []): Buffer {
  return zip([
    // Must be the first entry, stored, with no trailing newline (OpenDocument 1.3 part 2, 3.3).
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text' },
    {
      name: 'content.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"' +
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">' +
        '<office:body><office:text><text:p>School report</text:p></office:text></office:body>' +
        '</office:document-content>',
    },
    {
      name: 'META-INF/manifest.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">' +
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>' +
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>' +
        '</manifest:manifest>',
    },
    ...extra,
  ]);
}

/** A DOS header whose e_lfanew (at 0x3C) points to a PE signature and a minimal COFF header. */
export function sampleWindowsExecutable(): Buffer {
  const exe = Buffer.alloc(0x40 + 4 + 20);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x40, 0x3c); // e_lfanew
  exe.write('PE\0\0', 0x40, 'latin1');
  exe.writeUInt16LE(0x8664, 0x44); // machine: x86-64
  exe.writeUInt16LE(0, 0x46); // number of sections
  return exe;
}

/** The 512-byte header of a Compound File Binary (OLE) file, as in an old .doc or an .msi. */
export function sampleCfb(): Buffer {
  const cfb = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb, 0);
  cfb.writeUInt16LE(0x003e, 0x18); // minor version
  cfb.writeUInt16LE(0x0003, 0x1a); // major version 3
  cfb.writeUInt16LE(0xfffe, 0x1c); // byte order: little-endian
  cfb.writeUInt16LE(9, 0x1e); // sector size 512
  cfb.writeUInt16LE(6, 0x20); // mini sector size 64
  return cfb;
}

/**
 * `totalBytes` of zeros (a whole number of MiB), raw-deflated: one MiB of zeros compressed once
 * with a full flush (so each copy stands alone) and repeated, then an empty final block. This is
 * what a zip bomb holds; 1 GiB comes to about 1 MB, and takes a second to build.
 */
export function deflatedZeros(totalBytes: number): { deflated: Buffer; crc: number } {
  const MIB = 1024 * 1024;
  if (totalBytes % MIB !== 0) throw new Error('A whole number of MiB');
  const zeros = Buffer.alloc(MIB);
  const block = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const copies = totalBytes / MIB;
  let crc = 0;
  for (let i = 0; i < copies; i++) crc = crc32(zeros, crc);
  const finalEmptyBlock = Buffer.from([0x03, 0x00]);
  return { deflated: Buffer.concat([...Array<Buffer>(copies).fill(block), finalEmptyBlock]), crc };
}

/** A Word document with one more part: `extra`, of zeros expanding to `expandedBytes`. */
export function docxWithZeros(expandedBytes: number, declaredBytes = expandedBytes): Buffer {
  const { deflated, crc } = deflatedZeros(expandedBytes);
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(DOCX_MAIN) },
    { name: '_rels/.rels', data: PACKAGE_RELS },
    { name: 'word/document.xml', data: WORD_DOCUMENT },
    { name: 'word/media/image1.png', deflated, crc, uncompressedSize: declaredBytes },
  ]);
}

export const DOCX_MAIN =
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';

/** A Word document with extra parts (a macro project, many small parts). */
export function docxWith(extra: { name: string; data: string | Buffer }[]): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(DOCX_MAIN) },
    { name: '_rels/.rels', data: PACKAGE_RELS },
    { name: 'word/document.xml', data: WORD_DOCUMENT },
    ...extra,
  ]);
}

/** A one-page PDF whose catalog also holds `catalogExtra`, followed by `more` objects (4, 5...). */
export function pdfWithCatalog(catalogExtra: string, more: (string | Buffer)[] = []): Buffer {
  return pdf([
    `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    ...more,
  ]);
}

/**
 * A PDF whose OpenAction (object 5) sits compressed inside an object stream (object 4), so the
 * words /JavaScript and /JS never appear in the file's bytes.
 */
export function pdfWithScriptInObjectStream(): Buffer {
  const action = '<< /S /JavaScript /JS (app.alert\\(1\\)) >>';
  const header = '5 0 ';
  const compressed = deflateSync(Buffer.from(header + action, 'latin1'));
  return pdfWithCatalog('/OpenAction 5 0 R', [
    pdfStream(`/Type /ObjStm /N 1 /First ${header.length} /Filter /FlateDecode`, compressed),
  ]);
}

/** The EICAR anti-virus test file, put together here so that this source file is not itself it. */
export function eicar(): Buffer {
  return Buffer.from(
    ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''),
    'latin1',
  );
}
