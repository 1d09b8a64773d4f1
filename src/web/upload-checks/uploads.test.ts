import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import {
  sampleCfb,
  sampleDocx,
  sampleIsoMedia,
  sampleJpeg,
  sampleOdt,
  pdfOfSize,
  samplePdf,
  samplePng,
  sampleWindowsExecutable,
  wordPackage,
  zip,
} from '../../../test/upload-samples.ts';
import { MAX_UPLOAD_BYTES, checkUpload, safeFileName } from './uploads.ts';

const WRONG_TYPE =
  'The selected file must be a PDF, Word document (.docx), OpenDocument text (.odt), JPEG, PNG or HEIC';

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

  it('decides the type from the content; a name without a known extension says nothing', async () => {
    const result = await checkUpload({ filename: 'report', data: samplePdf() });
    expect(result).toMatchObject({ ok: true, kind: 'pdf', safeName: 'report.pdf' });
  });

  it('a file of exactly 20 MB', async () => {
    // A real PDF whose page content is padded out to exactly 20 MB.
    const data = pdfOfSize(MAX_UPLOAD_BYTES);
    expect(data.length).toBe(MAX_UPLOAD_BYTES);
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
