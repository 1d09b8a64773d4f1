import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { createMailer, type Mailer } from './features/notifications/mailer.ts';

/** The composition root: everything a route needs, built once. Tests pass their own parts. */
export function services(config: Config, db: Db, overrides: { mailer?: Mailer } = {}) {
  return {
    config,
    db,
    mailer: overrides.mailer ?? createMailer(config, db),
  };
}

export type Services = ReturnType<typeof services>;
