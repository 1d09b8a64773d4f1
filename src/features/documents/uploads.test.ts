import { crc32, deflateSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES, checkUpload, safeFileName } from './uploads.ts';

const WRONG_TYPE =
  'The selected file must be a PDF, Word document (.docx), OpenDocument text (.odt), JPEG, PNG or HEIC';

// -- Minimal but real samples, built here rather than kept as binary fixtures --

/** A one-page PDF with a correct cross-reference table. */
function samplePdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, 'latin1'));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(text, 'latin1');
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A 1 x 1 red pixel PNG: signature, IHDR, IDAT, IEND. */
function samplePng(): Buffer {
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
function sampleJpeg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]), // SOI
    Buffer.from([0xff, 0xe0, 0x00, 0x10]), // APP0, length 16
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.from([0xff, 0xd9]), // EOI
  ]);
}

/** An ISO base media file starting with an `ftyp` box of the given major brand. */
function sampleIsoMedia(majorBrand: string): Buffer {
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

/** A STORE-only (uncompressed) zip archive. */
function zip(entries: { name: string; data: string | Buffer }[]): Buffer {
  const DOS_DATE_1980_01_01 = 0x0021;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed to extract: 2.0
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12); // date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); // compressed size
    local.writeUInt32LE(data.length, 22); // uncompressed size
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed to extract
    central.writeUInt16LE(0, 8); // flags
    central.writeUInt16LE(0, 10); // method: stored
    central.writeUInt16LE(0, 12); // time
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14); // date
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
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

function contentTypes(mainContentType: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/word/document.xml" ContentType="${mainContentType}"/>` +
    '</Types>'
  );
}

const PACKAGE_RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  '</Relationships>';

const WORD_DOCUMENT =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
  '<w:body><w:p><w:r><w:t>Advice from the educational psychologist</w:t></w:r></w:p></w:body>' +
  '</w:document>';

function wordPackage(mainContentType: string): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(mainContentType) },
    { name: '_rels/.rels', data: PACKAGE_RELS },
    { name: 'word/document.xml', data: WORD_DOCUMENT },
  ]);
}

function sampleDocx(): Buffer {
  return wordPackage(
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  );
}

function sampleOdt(): Buffer {
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
  ]);
}

/** A DOS header whose e_lfanew (at 0x3C) points to a PE signature and a minimal COFF header. */
function sampleWindowsExecutable(): Buffer {
  const exe = Buffer.alloc(0x40 + 4 + 20);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x40, 0x3c); // e_lfanew
  exe.write('PE\0\0', 0x40, 'latin1');
  exe.writeUInt16LE(0x8664, 0x44); // machine: x86-64
  exe.writeUInt16LE(0, 0x46); // number of sections
  return exe;
}

/** The 512-byte header of a Compound File Binary (OLE) file, as in an old .doc or an .msi. */
function sampleCfb(): Buffer {
  const cfb = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb, 0);
  cfb.writeUInt16LE(0x003e, 0x18); // minor version
  cfb.writeUInt16LE(0x0003, 0x1a); // major version 3
  cfb.writeUInt16LE(0xfffe, 0x1c); // byte order: little-endian
  cfb.writeUInt16LE(9, 0x1e); // sector size 512
  cfb.writeUInt16LE(6, 0x20); // mini sector size 64
  return cfb;
}

// -- Tests --

describe('the samples are what file-type says they are', () => {
  it.each([
    ['PDF', samplePdf(), 'pdf', 'application/pdf'],
    ['PNG', samplePng(), 'png', 'image/png'],
    ['JPEG', sampleJpeg(), 'jpg', 'image/jpeg'],
    ['HEIC', sampleIsoMedia('heic'), 'heic', 'image/heic'],
    ['HEIF', sampleIsoMedia('mif1'), 'heic', 'image/heif'],
    [
      'DOCX',
      sampleDocx(),
      'docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['ODT', sampleOdt(), 'odt', 'application/vnd.oasis.opendocument.text'],
    ['EXE', sampleWindowsExecutable(), 'exe', 'application/x-msdownload'],
    ['CFB', sampleCfb(), 'cfb', 'application/x-cfb'],
    ['ZIP', zip([{ name: 'notes.txt', data: 'hello' }]), 'zip', 'application/zip'],
    [
      'DOCM',
      wordPackage('application/vnd.ms-word.document.macroEnabled.main+xml'),
      'docm',
      'application/vnd.ms-word.document.macroenabled.12',
    ],
  ])('%s', async (_label, data, ext, mime) => {
    expect(await fileTypeFromBuffer(data)).toEqual({ ext, mime });
  });

  it('text formats are not recognised at all', async () => {
    expect(await fileTypeFromBuffer(Buffer.from('<!DOCTYPE html><html></html>'))).toBeUndefined();
    expect(await fileTypeFromBuffer(Buffer.from('Some notes.\n'))).toBeUndefined();
  });
});

describe('checkUpload accepts', () => {
  it.each([
    ['report.pdf', samplePdf(), 'pdf', 'application/pdf', 'pdf', 'report.pdf'],
    ['scan.PNG', samplePng(), 'png', 'image/png', 'png', 'scan.png'],
    ['photo.jpeg', sampleJpeg(), 'jpeg', 'image/jpeg', 'jpg', 'photo.jpg'],
    ['IMG_0001.HEIC', sampleIsoMedia('heic'), 'heic', 'image/heic', 'heic', 'IMG_0001.heic'],
    ['picture.heif', sampleIsoMedia('mif1'), 'heic', 'image/heif', 'heic', 'picture.heic'],
    [
      'EP advice.docx',
      sampleDocx(),
      'docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'docx',
      'EP advice.docx',
    ],
    [
      'school report.odt',
      sampleOdt(),
      'odt',
      'application/vnd.oasis.opendocument.text',
      'odt',
      'school report.odt',
    ],
  ])('%s', async (filename, data, kind, contentType, extension, safeName) => {
    expect(await checkUpload({ filename, data })).toEqual({
      ok: true,
      kind,
      contentType,
      extension,
      safeName,
      sizeBytes: data.length,
    });
  });

  it('decides from the content, not the name', async () => {
    const result = await checkUpload({ filename: 'report.exe', data: samplePdf() });
    expect(result).toMatchObject({ ok: true, kind: 'pdf', safeName: 'report.pdf' });
  });

  it('a file of exactly 20 MB', async () => {
    const data = Buffer.alloc(MAX_UPLOAD_BYTES);
    data.write('%PDF-1.7\n', 0, 'latin1');
    expect(await checkUpload({ filename: 'big.pdf', data })).toMatchObject({
      ok: true,
      kind: 'pdf',
      sizeBytes: MAX_UPLOAD_BYTES,
    });
  });
});

describe('checkUpload refuses', () => {
  it.each([
    ['a Windows executable renamed report.pdf', 'report.pdf', sampleWindowsExecutable()],
    [
      'an HTML file named a.pdf',
      'a.pdf',
      Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'),
    ],
    [
      'an SVG image with an XML declaration',
      'drawing.svg',
      Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ],
    [
      'an SVG image',
      'drawing.png',
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
      ),
    ],
    ['a plain text file', 'notes.txt', Buffer.from('Notes from the meeting on 9 January.\n')],
    ['an old binary Word file (CFB/OLE)', 'old.doc', sampleCfb()],
    ['a zip named a.docx without Word parts', 'a.docx', zip([{ name: 'notes.txt', data: 'hi' }])],
    [
      'a macro-enabled Word file (.docm) named a.docx',
      'a.docx',
      wordPackage('application/vnd.ms-word.document.macroEnabled.main+xml'),
    ],
    ['random bytes', 'a.pdf', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07])],
  ])('%s', async (_label, filename, data) => {
    expect(await checkUpload({ filename, data })).toEqual({
      ok: false,
      problem: 'wrong-type',
      message: WRONG_TYPE,
    });
  });

  it('an empty file', async () => {
    expect(await checkUpload({ filename: 'report.pdf', data: Buffer.alloc(0) })).toEqual({
      ok: false,
      problem: 'empty',
      message: 'The selected file is empty',
    });
  });

  it('a file over 20 MB', async () => {
    const data = Buffer.alloc(21 * 1024 * 1024);
    data.write('%PDF-1.7\n', 0, 'latin1');
    expect(await checkUpload({ filename: 'big.pdf', data })).toEqual({
      ok: false,
      problem: 'too-large',
      message: 'The selected file must be smaller than 20 MB',
    });
  });

  it('a file one byte over 20 MB', async () => {
    const data = Buffer.alloc(MAX_UPLOAD_BYTES + 1);
    data.write('%PDF-1.7\n', 0, 'latin1');
    expect(await checkUpload({ filename: 'big.pdf', data })).toMatchObject({
      ok: false,
      problem: 'too-large',
    });
  });
});

describe('safeFileName', () => {
  it.each([
    ['../../etc/passwd', 'pdf', 'passwd.pdf'],
    ['C:\\Users\\x\\report.exe', 'pdf', 'report.pdf'],
    ['re\u0000port\u0007\u001b.pdf', 'pdf', 'report.pdf'],
    ['line\none\ttwo.pdf', 'pdf', 'line one two.pdf'],
    ['<script>.pdf', 'pdf', 'script.pdf'],
    ['a<b>c "d" | e.pdf', 'pdf', 'abc d e.pdf'],
    ['', 'pdf', 'document.pdf'],
    ['...', 'pdf', 'document.pdf'],
    ['<>:"|?*', 'png', 'document.png'],
    ['folder/', 'pdf', 'document.pdf'],
    ["Zoë's report.docx", 'docx', "Zoë's report.docx"],
    ['Zoë’s report.docx', 'docx', "Zoë's report.docx"],
    ['Zoe\u0308.pdf', 'pdf', 'Zoë.pdf'], // decomposed ë becomes one character
    ['Отчёт школы.pdf', 'pdf', 'Отчёт школы.pdf'],
    ['  lots   of    spaces  .pdf', 'pdf', 'lots of spaces.pdf'],
    ['.hidden.pdf', 'pdf', 'hidden.pdf'],
    ['report.pdf.exe', 'pdf', 'report.pdf.pdf'],
    ['report', 'pdf', 'report.pdf'],
    ['photo.JPEG', 'jpg', 'photo.jpg'],
    ['version 1.2', 'pdf', 'version 1.2.pdf'],
    ['evil\u202Efdp.exe', 'pdf', 'evilfdp.pdf'], // right-to-left override removed
  ])('%j -> %j', (original, extension, expected) => {
    expect(safeFileName(original, extension)).toBe(expected);
  });

  it('cuts a long name to 80 characters before the extension', () => {
    const name = safeFileName(`${'a'.repeat(300)}.pdf`, 'pdf');
    expect(name).toBe(`${'a'.repeat(80)}.pdf`);
  });

  it('does not split a character outside the Basic Multilingual Plane', () => {
    const name = safeFileName(`${'a'.repeat(79)}𝒜𝒜𝒜.pdf`, 'pdf');
    expect(name).toBe(`${'a'.repeat(79)}𝒜.pdf`);
  });
});
