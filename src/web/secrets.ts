import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';

/** argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). */
/** `algorithm: 2` is Argon2id (the package's const enum cannot be imported under type stripping). */
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Checked when there is no such user, so a wrong email takes as long as a wrong password. */
let decoyHash: Promise<string> | null = null;
export async function verifyDecoyPassword(password: string): Promise<void> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await decoyHash, password);
}

/** Tokens (invitations, resets) and recovery codes have high entropy, so SHA-256 is enough. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function newEmailCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: 'Pathway',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

/** Accepts the code for now and the 30 seconds either side, for clocks that drift. */
export function checkTotp(secret: string, code: string): boolean {
  return totpFor(secret, 'check').validate({ token: code, window: 1 }) !== null;
}

export function currentTotp(secret: string): string {
  return totpFor(secret, 'now').generate();
}

export async function totpQrCodeSvg(secret: string, label: string): Promise<string> {
  return QRCode.toString(totpFor(secret, label).toString(), { type: 'svg', margin: 1 });
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes like `k7mq-x2pf-9rte`, each usable once when a phone or inbox is lost. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(
      { length: 12 },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    );
    return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
  });
}

export function normaliseRecoveryCode(code: string): string {
  const compact = code.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}`;
}

export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * The digest's one-click unsubscribe link (RFC 8058): the person's id and a MAC over it, so it
 * works without signing in and names nobody else. It can only stop optional emails.
 */
export function unsubscribePath(secret: string, userId: string): string {
  return `/unsubscribe/${userId}.${unsubscribeMac(secret, userId)}`;
}

function unsubscribeMac(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url');
}

/** The user an unsubscribe token names, or null when it is not one of ours. */
export function userOfUnsubscribeToken(secret: string, token: string): string | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  return safeEqual(unsubscribeMac(secret, match[1]!), match[2]!) ? match[1]! : null;
}
