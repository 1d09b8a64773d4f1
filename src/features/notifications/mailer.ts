import nodemailer from 'nodemailer';
import { NotifyClient } from 'notifications-node-client';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import {
  PermanentDeliveryError,
  SEND_TIMEOUT_MS,
  type EmailMessage,
  type Mailer,
} from '../../case/email/mailer.ts';
import { insertOutboxMessage } from './repository.ts';

/** Development and demo: messages are kept in the database and shown at /dev/outbox. */
export function outboxMailer(db: Db): Mailer {
  return {
    name: 'outbox',
    async send(message) {
      await insertOutboxMessage(db, message);
    },
  };
}

/** SMTP through nodemailer: `smtp://user:pass@host:587` (STARTTLS) or `smtps://` (implicit TLS). */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  return {
    name: 'smtp',
    async send(message) {
      try {
        await sendSmtp(message);
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code && code >= 500) {
          throw new PermanentDeliveryError((error as Error).message, { cause: error });
        }
        throw error;
      }
    },
  };

  async function sendSmtp(message: EmailMessage) {
    await transport.sendMail({
      from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.listUnsubscribe
        ? {
            list: { unsubscribe: { url: message.listUnsubscribe, comment: 'Stop daily emails' } },
            // RFC 8058: mail clients may unsubscribe with one POST, without a page.
            headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          }
        : {}),
      ...(message.reference ? { messageId: `<${message.reference}@pathway>` } : {}),
    });
  }
}

/**
 * GOV.UK Notify: one email template whose subject is `((subject))` and whose body is `((body))`;
 * Notify renders its own HTML from the plain-text body.
 */
export function notifyMailer(options: { apiKey: string; templateId: string; baseUrl?: string }) {
  const client = options.baseUrl
    ? new NotifyClient(options.baseUrl, options.apiKey)
    : new NotifyClient(options.apiKey);
  const mailer: Mailer = {
    name: 'notify',
    async send(message) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.sendEmail(options.templateId, message.to, {
            personalisation: { subject: message.subject, body: message.text },
            reference: message.reference,
            ...(message.listUnsubscribe ? { oneClickUnsubscribeURL: message.listUnsubscribe } : {}),
          }),
          new Promise((_resolve, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${SEND_TIMEOUT_MS / 1000} seconds`)),
              SEND_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (error) {
        const status = (error as { response?: { status?: number } }).response?.status;
        // 400 (bad request) and 403 (bad key) will never succeed; 429 and 5xx may.
        const Failure = status === 400 || status === 403 ? PermanentDeliveryError : Error;
        throw new Failure(notifyErrorMessage(error), { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return mailer;
}

/** Notify's own words for a refusal ("BadRequestError: Can't send to this recipient ..."). */
function notifyErrorMessage(error: unknown): string {
  const response = (error as { response?: { status?: number; data?: unknown } }).response;
  const errors = (response?.data as { errors?: { error?: string; message?: string }[] } | undefined)
    ?.errors;
  if (response?.status && errors?.length) {
    return `GOV.UK Notify answered ${response.status}: ${errors
      .map((e) => `${e.error ?? 'Error'}: ${e.message ?? ''}`)
      .join('; ')}`;
  }
  return `GOV.UK Notify could not be reached: ${(error as Error).message}`;
}

export function createMailer(config: Config, db: Db): Mailer {
  if (config.mailer === 'smtp') return smtpMailer(config.smtpUrl!, config.mailFrom);
  if (config.mailer === 'notify') {
    return notifyMailer({
      apiKey: config.notifyApiKey!,
      templateId: config.notifyTemplateId!,
      baseUrl: config.notifyBaseUrl,
    });
  }
  return outboxMailer(db);
}
