import net from 'node:net';

/**
 * A TCP proxy between Pathway and PostgreSQL that the fault suite controls:
 * - `pass`: bytes flow both ways;
 * - `hang`: connections are accepted but nothing is forwarded (a database that stopped answering,
 *   or a network that black-holes its packets); what was sent waits, and flows again on `pass`;
 * - `refuse`: the port is closed and every connection through it is cut (connection refused);
 * - `reset`: every open connection is cut with a TCP reset; new ones pass.
 */
export type ProxyMode = 'pass' | 'hang' | 'refuse';

type Link = {
  client: net.Socket;
  upstream: net.Socket | null;
  /** Bytes from the client not yet forwarded (held while hanging). */
  held: Buffer[];
  /** Bytes from the server not yet forwarded (held while hanging). */
  heldBack: Buffer[];
};

export class FaultProxy {
  readonly target: { host: string; port: number };
  port = 0;
  private mode: ProxyMode = 'pass';
  private server: net.Server | null = null;
  private readonly links = new Set<Link>();

  constructor(target: { host: string; port: number }) {
    this.target = target;
  }

  /** Listens on a free loopback port (the first time) or the same one again (after `refuse`). */
  async listen(): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this.port;
  }

  get connections(): number {
    return this.links.size;
  }

  private accept(client: net.Socket) {
    const link: Link = { client, upstream: null, held: [], heldBack: [] };
    this.links.add(link);
    client.on('error', () => this.cut(link));
    client.on('close', () => this.cut(link));
    client.on('data', (chunk) => {
      if (this.mode === 'pass' && link.upstream?.readyState === 'open') link.upstream.write(chunk);
      else link.held.push(chunk);
    });
    if (this.mode === 'pass') this.connectUpstream(link);
  }

  private connectUpstream(link: Link) {
    const upstream = net.connect(this.target);
    link.upstream = upstream;
    upstream.on('connect', () => this.flush(link));
    upstream.on('data', (chunk) => {
      if (this.mode === 'pass') link.client.write(chunk);
      else link.heldBack.push(chunk);
    });
    upstream.on('error', () => this.cut(link));
    upstream.on('close', () => this.cut(link));
  }

  private flush(link: Link) {
    if (this.mode !== 'pass') return;
    if (!link.upstream) return this.connectUpstream(link);
    if (link.upstream.readyState !== 'open') return;
    for (const chunk of link.held.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.heldBack.splice(0)) link.client.write(chunk);
  }

  private cut(link: Link, reset = false) {
    if (!this.links.delete(link)) return;
    for (const socket of [link.client, link.upstream]) {
      if (!socket || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  /** Everything flows again; what was held during a hang is delivered. */
  async pass(): Promise<void> {
    if (!this.server) await this.listen();
    this.mode = 'pass';
    for (const link of this.links) this.flush(link);
  }

  /** Connections stay open (and new ones are accepted) but nothing gets through. */
  hang(): void {
    this.mode = 'hang';
  }

  /** The port closes and every connection through it ends: connections are refused. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    const server = this.server;
    this.server = null;
    for (const link of [...this.links]) this.cut(link);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every open connection is cut with a TCP reset; new connections pass. */
  reset(): void {
    for (const link of [...this.links]) this.cut(link, true);
  }

  async close(): Promise<void> {
    await this.refuse();
  }
}
