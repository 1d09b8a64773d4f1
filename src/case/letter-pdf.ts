import PDFDocument from 'pdfkit';

/**
 * A letter as plain structured text, written once and rendered both as HTML (shown on the case)
 * and as PDF (sent and kept): the two can never say different things.
 */
export type LetterBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] };

export type Letter = {
  /** The sender: the council's name, then lines such as the SEN team. */
  from: string[];
  date: string;
  to: string[];
  reference: string;
  subject: string;
  blocks: LetterBlock[];
  signOff: string[];
};

/**
 * The letter as a tagged PDF (A4, the built-in Helvetica, 12 pt, generous line spacing) with its
 * title and language set, so a screen reader can read it.
 */
export function letterPdf(letter: Letter): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 64,
      tagged: true,
      lang: 'en-GB',
      displayTitle: true,
      pdfVersion: '1.7',
      info: { Title: letter.subject, Author: letter.from[0] ?? 'Pathway', Creator: 'Pathway' },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const body = { lineGap: 3, paragraphGap: 8 };
    doc.font('Helvetica-Bold').fontSize(14).text(letter.from.join('\n'), { align: 'right' });
    doc.moveDown();
    doc.font('Helvetica').fontSize(12).text(letter.to.join('\n'), body);
    doc.moveDown();
    doc.text(letter.date, body);
    doc.text(`Our reference: ${letter.reference}`, body);
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(14).text(letter.subject, body);
    doc.moveDown(0.5);
    for (const block of letter.blocks) {
      if (block.kind === 'heading') {
        doc.moveDown(0.5);
        doc.font('Helvetica-Bold').fontSize(12).text(block.text, body);
      } else if (block.kind === 'paragraph') {
        doc.font('Helvetica').fontSize(12).text(block.text, body);
      } else {
        doc
          .font('Helvetica')
          .fontSize(12)
          .list(block.items, { ...body, bulletRadius: 2 });
        doc.moveDown(0.5);
      }
    }
    doc.moveDown();
    doc.font('Helvetica').fontSize(12).text(letter.signOff.join('\n'), body);
    doc.end();
  });
}
