import { createHmac } from 'node:crypto';

/**
 * A stable key for a client's address, for limits kept in the database: an HMAC of the address
 * under a key derived from the session secret, so the table never holds the address and the
 * key cannot be reversed by hashing every IPv4 address (as a plain hash could be).
 */
export function addressKey(sessionSecret: string, ip: string): string {
  return createHmac('sha256', `address-key:${sessionSecret}`).update(ip).digest('base64url');
}
