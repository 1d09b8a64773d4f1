import { randomFillSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyReply {
    /** This response's CSP nonce, for the page's own script tag. */
    cspNonce: { script: string; style: string };
  }
}

export type SecurityHeaderOptions = {
  /** The CSP's directives, without nonces: each response adds its own to script-src and style-src. */
  directives: Record<string, string[]>;
  helmet: HelmetOptions;
};

/**
 * Random bytes drawn 4 KB at a time: a nonce is 16 of them, and one draw serves 256 responses
 * instead of asking the system for 16 bytes on every page.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function nonce(): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const value = pool.toString('base64url', poolOffset, poolOffset + 16);
  poolOffset += 16;
  return value;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Security headers on every response: helmet's (built once, not per request as
 * @fastify/helmet does with nonces) and a Content-Security-Policy whose script-src and
 * style-src carry a fresh nonce.
 */
export const securityHeaders = fp(async (app: FastifyInstance, options: SecurityHeaderOptions) => {
  const headers = helmet({ ...options.helmet, contentSecurityPolicy: false } as HelmetOptions);
  const parts = Object.entries(options.directives).map(([name, values]) => ({
    name: kebab(name),
    values: values.join(' '),
    nonced: name === 'scriptSrc' || name === 'styleSrc',
  }));
  app.decorateReply('cspNonce', null as unknown as { script: string; style: string });
  app.addHook('onRequest', (request, reply, done) => {
    const value = nonce();
    reply.cspNonce = { script: value, style: value };
    const policy = parts
      .map((p) => {
        const values = p.nonced ? `${p.values} 'nonce-${value}'` : p.values;
        return values ? `${p.name} ${values}` : p.name;
      })
      .join(';');
    reply.raw.setHeader('Content-Security-Policy', policy);
    headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
});
