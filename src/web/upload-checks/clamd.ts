/**
 * A virus scan through ClamAV's daemon, clamd (Debian: clamav-daemon), by its INSTREAM command:
 * the file is sent in chunks, each prefixed with its length as 4 bytes big-endian, ended by an
 * empty chunk; clamd answers `stream: OK` or `stream: <signature> FOUND`.
 *
 * Written here rather than taken from npm: the protocol is a dozen lines, and the clients on npm
 * either probe for local binaries and configuration files at start-up (clamscan) or are no
 * longer kept (clamdjs). What matters here is failing closed, with a firm time limit, and both
 * are easier to see in a small client than to configure in a large one.
 *
 * Anything but a clear answer (no connection, a time-out, an error reply, a reply we do not
 * understand) is "unavailable": the upload is refused and the user asked to try again later.
 */
import net from 'node:net';

export type ScanResult =
  | { status: 'clean' }
  | { status: 'infected'; signature: string }
  | { status: 'unavailable'; reason: string };

export interface VirusScanner {
  scan(data: Buffer): Promise<ScanResult>;
}

export type ClamdAddress = { path: string } | { host: string; port: number };

/** `unix:///run/clamav/clamd.ctl`, `/run/clamav/clamd.ctl` or `tcp://127.0.0.1:3310`. */
export function parseClamdUrl(url: string): ClamdAddress {
  if (url.startsWith('/')) return { path: url };
  const parsed = new URL(url);
  if (parsed.protocol === 'unix:') return { path: decodeURIComponent(parsed.pathname) };
  if (parsed.protocol === 'tcp:' && parsed.hostname && parsed.port) {
    return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
  }
  throw new Error('CLAMD_URL must be unix:///path/to/clamd.socket or tcp://host:port');
}

/** Chunks well under clamd's default StreamMaxLength (25 MB) and its buffers. */
const CHUNK_BYTES = 64 * 1024;
/** A reply longer than this is not one clamd sends. */
const MAX_REPLY_BYTES = 4096;

export function createClamdScanner(options: {
  address: ClamdAddress;
  timeoutMs: number;
  /** Told (without the file or who sent it) when clamd cannot give an answer. */
  onUnavailable?: (reason: string) => void;
}): VirusScanner {
  const unavailable = (reason: string): ScanResult => {
    options.onUnavailable?.(reason);
    return { status: 'unavailable', reason };
  };
  return {
    async scan(data) {
      let reply: string;
      try {
        reply = await instream(options.address, data, options.timeoutMs);
      } catch (error) {
        return unavailable(error instanceof Error ? error.message : String(error));
      }
      const answer = /^stream: (.+?)( FOUND| OK)?$/.exec(reply.trim());
      if (answer?.[1] === 'OK' && answer[2] === undefined) return { status: 'clean' };
      if (answer?.[2] === ' FOUND') return { status: 'infected', signature: answer[1]! };
      return unavailable(`clamd answered: ${reply.trim().slice(0, 200)}`);
    },
  };
}

function instream(address: ClamdAddress, data: Buffer, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let settled = false;
    const finish = (error: Error | null, reply?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from clamd within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (error) => finish(new Error(`clamd: ${error.message}`)));
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      receivedBytes += chunk.length;
      const all = Buffer.concat(received);
      const end = all.indexOf(0);
      if (end !== -1) finish(null, all.toString('utf8', 0, end));
      else if (receivedBytes > MAX_REPLY_BYTES) finish(new Error('clamd: reply too long'));
    });
    socket.on('end', () => {
      // clamd closes after answering; an answer without its terminating NUL still counts.
      if (receivedBytes > 0) finish(null, Buffer.concat(received).toString('utf8'));
      else finish(new Error('clamd closed the connection without answering'));
    });
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      for (let at = 0; at < data.length; at += CHUNK_BYTES) {
        const chunk = data.subarray(at, at + CHUNK_BYTES);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        socket.write(length);
        socket.write(chunk);
      }
      socket.write(Buffer.alloc(4)); // the empty chunk that ends the stream
    });
  });
}
