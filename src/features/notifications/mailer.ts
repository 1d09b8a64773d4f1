import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';

/**
 * One port for every email Pathway sends. Bodies name a case by its reference and say what to
 * do; they never carry a child's name, date of birth or needs (the hub shows those after sign-in).
 */
export type EmailMessage = { to: string; subject: string; text: string };

export interface Mailer {
  send(message: EmailMessage): Promise<void>;
}

/** Development and demo: messages are kept in the database and shown at /dev/outbox. */
export function outboxMailer(db: Db): Mailer {
  return {
    async send(message) {
      await db
        .insertInto('outbox_message')
        .values({ to_address: message.to, subject: message.subject, body_text: message.text })
        .execute();
    },
  };
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    },
  };
}

export function createMailer(config: Config, db: Db): Mailer {
  if (config.mailer === 'smtp' && config.smtpUrl)
    return smtpMailer(config.smtpUrl, config.mailFrom);
  return outboxMailer(db);
}

export async function listOutbox(db: Db, limit = 50) {
  return db
    .selectFrom('outbox_message')
    .select(['id', 'to_address', 'subject', 'body_text', 'created_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
