import { PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  docxWith,
  docxWithZeros,
  pdf,
  pdfStream,
  pdfWithCatalog,
  pdfWithScriptInObjectStream,
  pngChunk,
  sampleCfb,
  sampleIsoMedia,
  sampleJpeg,
  sampleOdt,
  samplePdf,
  samplePng,
} from '../../../test/upload-samples.ts';
import { UPLOAD_MESSAGES, checkUpload } from './uploads.ts';

const MIB = 1024 * 1024;
const SCRIPT = '<html><body><script>alert(document.cookie)</script></body></html>';

/** A page object (number 3) with more in its dictionary, for annotations and page actions. */
function pdfWithPage(pageExtra: string, more: (string | Buffer)[]): Buffer {
  return pdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] ${pageExtra} >>`,
    ...more,
  ]);
}

/** A JPEG with one scan: SOI, APP0, SOS and entropy-coded data (with stuffed bytes), EOI. */
function jpegWithScan(): Buffer {
  const header = sampleJpeg().subarray(0, -2); // without its EOI
  return Buffer.concat([
    header,
    Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]), // SOS
    Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]), // data, a stuffed 0xFF, a restart
    Buffer.from([0xff, 0xd9]), // EOI
  ]);
}

describe('finding 8: PDFs with active content are refused', () => {
  it.each([
    // The finding: a PDF that runs JavaScript as soon as it is opened.
    [
      'a JavaScript OpenAction',
      pdfWithCatalog('/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>'),
    ],
    ['a Launch OpenAction', pdfWithCatalog('/OpenAction << /S /Launch /F (cmd.exe) >>')],
    [
      'a document-level script in the names tree',
      pdfWithCatalog('/Names << /JavaScript << /Names [(x) 4 0 R] >> >>', [
        '<< /S /JavaScript /JS (app.alert\\(1\\)) >>',
      ]),
    ],
    [
      'a page action (/AA) whose script is a stream',
      pdfWithPage('/AA << /O 4 0 R >>', [
        '<< /S /JavaScript /JS 5 0 R >>',
        pdfStream('', Buffer.from('app.alert(1)')),
      ]),
    ],
    [
      'names spelt with hex escapes (/J#61vaScr#69pt, /#4A#53)',
      pdfWithCatalog('/OpenAction << /S /J#61vaScr#69pt /#4A#53 (app.alert\\(1\\)) >>'),
    ],
    [
      'a lower-case hex escape (/#4c#61unch)',
      pdfWithCatalog('/OpenAction << /S /#4c#61unch /F (x) >>'),
    ],
    ['a script inside a compressed object stream', pdfWithScriptInObjectStream()],
    [
      'an XFA form',
      pdfWithCatalog('/AcroForm << /Fields [] /XFA 4 0 R >>', [
        pdfStream('', Buffer.from('<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>')),
      ]),
    ],
    [
      'a rich media (Flash) annotation',
      pdfWithPage('/Annots [4 0 R]', ['<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>']),
    ],
    [
      'a link that launches a program',
      pdfWithPage('/Annots [4 0 R]', [
        '<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (calc.exe) >> >>',
      ]),
    ],
  ])('%s', async (_label, data) => {
    expect(await checkUpload({ filename: 'report.pdf', data })).toEqual({
      ok: false,
      problem: 'pdf-script',
      message: UPLOAD_MESSAGES['pdf-script'],
    });
  });

  it.each([
    [
      'an embedded file in the names tree',
      pdfWithCatalog('/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>', [
        '<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>',
        pdfStream('/Type /EmbeddedFile', Buffer.from('MZ')),
      ]),
    ],
    [
      'a file attachment annotation',
      pdfWithPage('/Annots [4 0 R]', [
        '<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 5 0 R >>',
        '<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>',
        pdfStream('/Type /EmbeddedFile', Buffer.from('MZ')),
      ]),
    ],
  ])('%s', async (_label, data) => {
    expect(await checkUpload({ filename: 'report.pdf', data })).toEqual({
      ok: false,
      problem: 'pdf-attachment',
      message: UPLOAD_MESSAGES['pdf-attachment'],
    });
  });

  it('a file that only starts like a PDF', async () => {
    const data = Buffer.from('%PDF-1.7\n<< /Type /Catalog /Pages 2 0 R', 'latin1');
    expect(await checkUpload({ filename: 'report.pdf', data })).toMatchObject({
      ok: false,
      problem: 'damaged',
    });
  });
});

/** A PDF written by pdf-lib, encrypted with an empty user password (opens without asking). */
async function encryptedPdf(withScript: boolean): Promise<Buffer> {
  const document = await PDFDocument.create();
  document.addPage();
  if (withScript) {
    document.catalog.set(
      PDFName.of('OpenAction'),
      document.context.obj({ S: 'JavaScript', JS: 'app.alert(1)' }),
    );
  }
  document.encrypt({ userPassword: '', ownerPassword: 'owner' });
  return Buffer.from(await document.save({ useObjectStreams: true }));
}

describe('encrypted PDFs (opened without a password) are looked into too', () => {
  it('refuses one with a script in its encrypted object streams', async () => {
    expect(
      await checkUpload({ filename: 'report.pdf', data: await encryptedPdf(true) }),
    ).toMatchObject({ ok: false, problem: 'pdf-script' });
  });

  it('accepts one without', async () => {
    expect(
      await checkUpload({ filename: 'report.pdf', data: await encryptedPdf(false) }),
    ).toMatchObject({ ok: true, kind: 'pdf' });
  });
});

describe('PDFs without active content are accepted', () => {
  it.each([
    ['a plain page', samplePdf()],
    [
      'one that opens at its first page (a GoTo OpenAction)',
      pdfWithCatalog('/OpenAction [3 0 R /Fit]'),
    ],
    [
      'a link to a web page',
      pdfWithPage('/Annots [4 0 R]', [
        '<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://www.gov.uk/) >> >>',
      ]),
    ],
    [
      'the word JavaScript in its text',
      pdfWithPage('/Contents 4 0 R', [
        pdfStream(
          '',
          Buffer.from('BT /F1 12 Tf (JavaScript and the Launch of EmbeddedFiles) Tj ET'),
        ),
      ]),
    ],
  ])('%s', async (_label, data) => {
    expect(await checkUpload({ filename: 'report.pdf', data })).toMatchObject({
      ok: true,
      kind: 'pdf',
    });
  });
});

describe('finding 8: pictures hiding something else are refused', () => {
  const withTextChunk = (text: string) => {
    const png = samplePng();
    const iend = png.subarray(-12);
    return Buffer.concat([
      png.subarray(0, -12),
      pngChunk('tEXt', Buffer.from(text, 'latin1')),
      iend,
    ]);
  };
  it.each([
    // The finding: a PNG with a web page after its end.
    [
      'a PNG with HTML after its end (IEND)',
      'scan.png',
      Buffer.concat([samplePng(), Buffer.from(SCRIPT)]),
    ],
    [
      'a PNG with any bytes after IEND',
      'scan.png',
      Buffer.concat([samplePng(), Buffer.from('PK')]),
    ],
    ['a PNG with a script in a text chunk', 'scan.png', withTextChunk(`Comment\0${SCRIPT}`)],
    ['a PNG cut short in a chunk', 'scan.png', samplePng().subarray(0, 40)],
    [
      'a JPEG with HTML after its end (EOI)',
      'photo.jpg',
      Buffer.concat([jpegWithScan(), Buffer.from(SCRIPT)]),
    ],
    [
      'a JPEG with a script in a comment segment',
      'photo.jpg',
      Buffer.concat([
        Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, SCRIPT.length + 2]),
        Buffer.from(SCRIPT),
        jpegWithScan().subarray(2),
      ]),
    ],
    ['a JPEG without an end', 'photo.jpg', jpegWithScan().subarray(0, -2)],
    [
      'a HEIC picture with bytes after its last box',
      'IMG_0001.heic',
      Buffer.concat([sampleIsoMedia('heic'), Buffer.from(SCRIPT)]),
    ],
  ])('%s', async (_label, filename, data) => {
    expect(await checkUpload({ filename, data })).toEqual({
      ok: false,
      problem: 'hidden-content',
      message: UPLOAD_MESSAGES['hidden-content'],
    });
  });

  it.each([
    ['a JPEG with a scan, stuffed bytes and a restart marker', jpegWithScan()],
    // Phones store a preview or depth map as a second JPEG after the first (CIPA MPF).
    [
      'a JPEG followed by a second JPEG (multi-picture format)',
      Buffer.concat([jpegWithScan(), sampleJpeg()]),
    ],
  ])('accepts %s', async (_label, data) => {
    expect(await checkUpload({ filename: 'photo.jpg', data })).toMatchObject({
      ok: true,
      kind: 'jpeg',
    });
  });
});

describe('finding 8: files whose content does not match their type are refused', () => {
  it.each([
    [
      'a PDF named photo.png',
      'photo.png',
      undefined,
      samplePdf(),
      'The selected file is a PDF but its name ends in .png – rename it or choose another file',
    ],
    [
      'a PDF named report.exe',
      'report.exe',
      undefined,
      samplePdf(),
      'The selected file is a PDF but its name ends in .exe – rename it or choose another file',
    ],
    [
      'a PNG named page.html',
      'page.html',
      undefined,
      samplePng(),
      'The selected file is a PNG picture but its name ends in .html – rename it or choose another file',
    ],
    [
      'a PNG sent as text/html',
      'scan.png',
      'text/html',
      samplePng(),
      'The selected file is a PNG picture but was sent as text/html – choose another file',
    ],
    [
      'a PDF sent as a picture',
      'report.pdf',
      'image/png',
      samplePdf(),
      'The selected file is a PDF but was sent as image/png – choose another file',
    ],
  ])('%s', async (_label, filename, declaredType, data, message) => {
    expect(await checkUpload({ filename, data, declaredType })).toEqual({
      ok: false,
      problem: 'mismatch',
      message,
    });
  });

  it.each([
    ['no extension', 'report', 'application/octet-stream', samplePdf()],
    ['dots in the name', 'Report v2.1 by J.Smith', undefined, samplePdf()],
    ['an upper-case extension', 'PHOTO.JPEG', 'image/jpeg', jpegWithScan()],
    ['.jfif', 'photo.jfif', 'image/pjpeg', jpegWithScan()],
    ['.heif', 'IMG_0001.heif', 'image/heif', sampleIsoMedia('heic')],
    ['a Word document sent as application/zip', 'advice.docx', 'application/zip', docxWith([])],
  ])('accepts %s', async (_label, filename, declaredType, data) => {
    expect(await checkUpload({ filename, data, declaredType })).toMatchObject({ ok: true });
  });
});

describe('finding 8: documents out of proportion when opened are refused', () => {
  it('a 1 MB Word document that expands to 1 GiB', async () => {
    const data = docxWithZeros(1024 * MIB);
    expect(data.length).toBeGreaterThan(0.9 * MIB);
    expect(data.length).toBeLessThan(1.2 * MIB);
    expect(await checkUpload({ filename: 'advice.docx', data })).toEqual({
      ok: false,
      problem: 'too-large-expanded',
      message: UPLOAD_MESSAGES['too-large-expanded'],
    });
  });

  it('a Word document that says it is small but expands to 200 MiB', async () => {
    // Only inflating the parts shows this: the archive's directory says 1 KB.
    const data = docxWithZeros(200 * MIB, 1024);
    expect(await checkUpload({ filename: 'advice.docx', data })).toMatchObject({ ok: false });
  });

  it('a Word document with 2,001 parts', async () => {
    const parts = Array.from({ length: 2001 - 3 }, (_, i) => ({
      name: `word/part${i}.xml`,
      data: '<a/>',
    }));
    expect(await checkUpload({ filename: 'advice.docx', data: docxWith(parts) })).toEqual({
      ok: false,
      problem: 'too-large-expanded',
      message: UPLOAD_MESSAGES['too-large-expanded'],
    });
  });

  it.each([
    [
      'a macro project (vbaProject.bin)',
      'advice.docx',
      docxWith([{ name: 'word/vbaProject.bin', data: sampleCfb() }]),
    ],
    [
      'an embedded OLE object',
      'advice.docx',
      docxWith([{ name: 'word/embeddings/oleObject1.bin', data: sampleCfb() }]),
    ],
    [
      'an ActiveX control',
      'advice.docx',
      docxWith([{ name: 'word/activeX/activeX1.bin', data: sampleCfb() }]),
    ],
    [
      'OpenDocument Basic macros',
      'report.odt',
      sampleOdt([{ name: 'Basic/Standard/Module1.xml', data: '<a/>' }]),
    ],
  ])('a document with %s', async (_label, filename, data) => {
    expect(await checkUpload({ filename, data })).toEqual({
      ok: false,
      problem: 'macros',
      message: UPLOAD_MESSAGES.macros,
    });
  });

  it.each([
    ['a small document that expands 1,000 times to 5 MiB', docxWithZeros(5 * MIB)],
    [
      'a document with 1,000 parts',
      docxWith(Array.from({ length: 1000 }, (_, i) => ({ name: `word/p${i}.xml`, data: '<a/>' }))),
    ],
  ])('accepts %s', async (_label, data) => {
    expect(await checkUpload({ filename: 'advice.docx', data })).toMatchObject({
      ok: true,
      kind: 'docx',
    });
  });
});
