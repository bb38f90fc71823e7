import http from 'node:http';
import type Koa from 'koa';

export interface HttpServer {
  readonly port: number;
  /**
   * Stops accepting, lets requests in flight finish, closes keep-alive connections as soon as
   * they are idle, and cuts what is left after graceMs.
   */
  close(graceMs: number): Promise<void>;
}

export async function listen(app: Koa, host: string, port: number): Promise<HttpServer> {
  const handle = app.callback();
  const inFlight = new Set<http.ServerResponse>();
  let closing = false;
  const closeIdleSoon = () => {
    if (closing) setImmediate(() => server.closeIdleConnections());
  };
  const server = http.createServer((req, res) => {
    // A keep-alive client would otherwise go on sending requests until the grace period ends.
    if (closing) res.shouldKeepAlive = false;
    void handle(req, res);
    // The front cache answers within handle(): such a response is never in flight, so it skips
    // the set entry and the two listeners, on the path where every microsecond shows.
    if (res.writableEnded) return closeIdleSoon();
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    res.once('finish', closeIdleSoon);
  });
  // Slow-client protection; the body parser limits size, these limit time.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        closing = true;
        // Answers not yet begun say `Connection: close`, so their clients do not reuse the socket.
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
