/**
 * A webhook that receives the airlock's CloudEvents as an Event Grid subscriber would: it passes the
 * CloudEvents validation handshake (OPTIONS with `WebHook-Request-Origin`) and keeps every delivery,
 * duplicates included, so a test can judge what consumers saw. Listens on a free loopback port.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface DeliveredEvent {
  /** the CloudEvent as received */
  event: Record<string, any>;
  /** `aeg-delivery-count`: 0 on the first attempt */
  deliveryCount: number;
  receivedAt: number;
}

export interface EventSink {
  url: string;
  deliveries(): readonly DeliveredEvent[];
  /** When the last event arrived (0 before the first): lets a caller wait until delivery goes quiet. */
  lastDeliveryAt(): number;
  close(): Promise<void>;
}

export async function startEventSink(): Promise<EventSink> {
  const deliveries: DeliveredEvent[] = [];
  let lastDeliveryAt = 0;
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'webhook-allowed-origin': req.headers['webhook-request-origin'] ?? '*', 'webhook-allowed-rate': '*' });
      return res.end();
    }
    if (req.method !== 'POST') {
      res.writeHead(405);
      return res.end();
    }
    try {
      const parsed = JSON.parse((await bodyOf(req)).toString('utf8'));
      const events = Array.isArray(parsed) ? parsed : [parsed];
      const deliveryCount = Number(req.headers['aeg-delivery-count'] ?? 0);
      for (const event of events) deliveries.push({ event, deliveryCount, receivedAt: Date.now() });
      lastDeliveryAt = Date.now();
      res.writeHead(200);
    } catch {
      res.writeHead(400);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    deliveries: () => deliveries,
    lastDeliveryAt: () => lastDeliveryAt,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function bodyOf(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
