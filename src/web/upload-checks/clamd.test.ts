import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eicar, samplePng } from '../../../test/upload-samples.ts';
import { createClamdScanner, parseClamdUrl, type ClamdAddress } from './clamd.ts';
import { UPLOAD_MESSAGES, checkUpload } from './uploads.ts';

/**
 * A stand-in for clamd speaking its INSTREAM protocol: it reads the command and the chunks,
 * checks their framing, and answers as `answer` says from the whole stream it received.
 */
type Behaviour = (stream: Buffer) => string | 'hang' | 'close';

const servers: net.Server[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function fakeClamd(
  behaviour: Behaviour,
  listen: 'tcp' | 'unix' = 'tcp',
): Promise<{ address: ClamdAddress; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let commandRead = false;
    const chunks: Buffer[] = [];
    socket.on('error', () => {});
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      if (!commandRead) {
        const end = buffered.indexOf(0);
        if (end === -1) return;
        const command = buffered.toString('latin1', 0, end);
        if (command !== 'zINSTREAM') {
          socket.end('UNKNOWN COMMAND\0');
          return;
        }
        commandRead = true;
        buffered = buffered.subarray(end + 1);
      }
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (buffered.length < 4 + length) return;
        if (length === 0) {
          const stream = Buffer.concat(chunks);
          received.push(stream);
          const answer = behaviour(stream);
          if (answer === 'close') socket.destroy();
          else if (answer !== 'hang') socket.end(`${answer}\0`);
          return;
        }
        chunks.push(buffered.subarray(4, 4 + length));
        buffered = buffered.subarray(4 + length);
      }
    });
  });
  servers.push(server);
  if (listen === 'unix') {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pathway-clamd-'));
    folders.push(folder);
    const socketPath = path.join(folder, 'clamd.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return { address: { path: socketPath }, received };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { address: { host: '127.0.0.1', port }, received };
}

/** Answers as clamd does with a signature that matches the EICAR test file. */
const likeClamd: Behaviour = (stream) =>
  stream.equals(eicar()) ? 'stream: Eicar-Test-Signature FOUND' : 'stream: OK';

describe('the clamd client (against a stand-in speaking INSTREAM)', () => {
  it.each(['tcp', 'unix'] as const)('over %s: a clean file, then the EICAR file', async (how) => {
    const { address, received } = await fakeClamd(likeClamd, how);
    const scanner = createClamdScanner({ address, timeoutMs: 2000 });
    expect(await scanner.scan(Buffer.from('hello'))).toEqual({ status: 'clean' });
    expect(await scanner.scan(eicar())).toEqual({
      status: 'infected',
      signature: 'Eicar-Test-Signature',
    });
    expect(received[1]).toEqual(eicar());
  });

  it('sends a large file in chunks that add up to the file', async () => {
    const { address, received } = await fakeClamd(likeClamd);
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const scanner = createClamdScanner({ address, timeoutMs: 5000 });
    expect(await scanner.scan(data)).toEqual({ status: 'clean' });
    expect(received[0]!.equals(data)).toBe(true);
  });

  it.each([
    ['clamd is not listening', null as Behaviour | null, /ECONNREFUSED|ENOENT/],
    ['clamd never answers', (() => 'hang') as Behaviour, /no answer from clamd within 300 ms/],
    ['clamd closes without answering', (() => 'close') as Behaviour, /closed|ECONNRESET/],
    [
      'clamd answers with an error',
      (() => 'INSTREAM size limit exceeded. ERROR') as Behaviour,
      /size limit exceeded/,
    ],
  ])('is unavailable (never clean) when %s, and says why', async (_label, behaviour, reason) => {
    let address: ClamdAddress;
    if (behaviour) {
      address = (await fakeClamd(behaviour)).address;
    } else {
      const closed = await fakeClamd(likeClamd);
      address = closed.address;
      await new Promise((r) => servers.pop()!.close(r));
    }
    const reasons: string[] = [];
    const scanner = createClamdScanner({
      address,
      timeoutMs: 300,
      onUnavailable: (why) => reasons.push(why),
    });
    const result = await scanner.scan(Buffer.from('hello'));
    expect(result.status).toBe('unavailable');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(reason);
  });

  it('reads CLAMD_URL forms', () => {
    expect(parseClamdUrl('unix:///run/clamav/clamd.ctl')).toEqual({
      path: '/run/clamav/clamd.ctl',
    });
    expect(parseClamdUrl('/tmp/clamd.sock')).toEqual({ path: '/tmp/clamd.sock' });
    expect(parseClamdUrl('tcp://127.0.0.1:3310')).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(() => parseClamdUrl('http://example.com')).toThrow(/CLAMD_URL/);
  });
});

describe('checkUpload with a virus scanner', () => {
  it('refuses a file clamd finds a virus in, naming the signature for the audit', async () => {
    const { address } = await fakeClamd(() => 'stream: Win.Test.Fake FOUND');
    const scanner = createClamdScanner({ address, timeoutMs: 2000 });
    expect(await checkUpload({ filename: 'scan.png', data: samplePng() }, { scanner })).toEqual({
      ok: false,
      problem: 'virus',
      message: 'The selected file contains a virus',
      signature: 'Win.Test.Fake',
    });
  });

  it('refuses the file (fails closed) when clamd cannot answer', async () => {
    const { address } = await fakeClamd(() => 'hang');
    const scanner = createClamdScanner({ address, timeoutMs: 200 });
    expect(await checkUpload({ filename: 'scan.png', data: samplePng() }, { scanner })).toEqual({
      ok: false,
      problem: 'scan-unavailable',
      message: UPLOAD_MESSAGES['scan-unavailable'],
    });
  });

  it('accepts a clean file', async () => {
    const { address, received } = await fakeClamd(likeClamd);
    const scanner = createClamdScanner({ address, timeoutMs: 2000 });
    expect(
      await checkUpload({ filename: 'scan.png', data: samplePng() }, { scanner }),
    ).toMatchObject({ ok: true, kind: 'png' });
    expect(received).toHaveLength(1);
  });
});
