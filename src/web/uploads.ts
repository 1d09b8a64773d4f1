import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_UPLOAD_BYTES } from './upload-checks/uploads.ts';

/**
 * File uploads: one file per form, as GOV.UK's file upload pattern asks. A route scope that takes
 * uploads registers the multipart parser here, with a page-shaped answer (`onRefused`) when the
 * file is too large or more than one is sent; routes read the file with `uploadedFile`.
 */
export async function acceptUploads(
  scope: FastifyInstance,
  onRefused: (request: FastifyRequest, reply: FastifyReply, message: string) => unknown,
  limits: { fields?: number; fieldSize?: number } = {},
): Promise<void> {
  const fields = limits.fields ?? 5;
  await scope.register(fastifyMultipart, {
    attachFieldsToBody: true,
    limits: {
      fileSize: MAX_UPLOAD_BYTES,
      files: 1,
      fields,
      // Room for the longest text any upload form takes (5,000 characters, up to 4 bytes each),
      // so a field is never cut short without the form's own length check saying so.
      fieldSize: limits.fieldSize ?? 64 * 1024,
      parts: fields + 1,
    },
  });
  scope.setErrorHandler(async (error: Error & { code?: string }, request, reply) => {
    const tooLarge = error.code === 'FST_REQ_FILE_TOO_LARGE';
    const tooMany =
      error.code === 'FST_FILES_LIMIT' ||
      error.code === 'FST_PARTS_LIMIT' ||
      error.code === 'FST_FIELDS_LIMIT';
    if (!tooLarge && !tooMany) throw error;
    return onRefused(
      request,
      reply.code(400),
      tooLarge ? 'The selected file must be smaller than 20 MB' : 'Select one file at a time',
    );
  });
}

/** The body limit for a route that takes one upload and a few short fields. */
export const UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024;

type Part = {
  type?: string;
  filename?: string;
  mimetype?: string;
  value?: unknown;
  toBuffer?: () => Promise<Buffer>;
};

/**
 * The one file a multipart form sent in `field`, or null when none was chosen; `declaredType`
 * is the type the browser sent, checked against the content.
 */
export async function uploadedFile(
  body: unknown,
  field: string,
): Promise<{ filename: string; data: Buffer; declaredType: string | undefined } | null> {
  const part = (body as Record<string, unknown> | undefined)?.[field] as Part | undefined;
  if (!part || part.type !== 'file' || !part.filename || !part.toBuffer) return null;
  return { filename: part.filename, data: await part.toBuffer(), declaredType: part.mimetype };
}

/** A multipart body's plain fields as a form body (what parseForm takes). */
export function multipartFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, part] of Object.entries((body ?? {}) as Record<string, Part>)) {
    if (part && part.type === 'field' && typeof part.value === 'string') fields[name] = part.value;
  }
  return fields;
}

/**
 * Sends a stored document. Always a download, never shown inline: a document is never run as a
 * page of this site.
 */
export function sendAttachment(
  reply: FastifyReply,
  document: { data: Buffer; fileName: string; contentType: string },
): FastifyReply {
  return reply
    .header('content-type', document.contentType)
    .header(
      'content-disposition',
      `attachment; filename="${document.fileName.replace(/["\\\r\n]/g, '')}"; filename*=UTF-8''${encodeURIComponent(document.fileName)}`,
    )
    .header('x-content-type-options', 'nosniff')
    .send(document.data);
}
