/**
 * The API server as a service: REST and the WebSocket stream on one port, over the contract's
 * cores. Started last, once every other service has provided its methods and topics.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MethodTable } from '../../shared/contract/method';
import type { TopicTable } from '../../shared/contract/stream';
import type { ApiCore } from '../api/api-core';
import type { Authenticator } from '../server/auth';
import type { BrowserAccess } from './sessions-service';
import { createHttpServer, type HttpServerOptions } from '../server/http-server';
import { StreamServer } from '../server/stream-server';
import type { StreamCore } from '../stream/stream-core';
import type { Service } from './service';

export interface ApiServerOptions<M extends MethodTable, T extends TopicTable> {
  api: ApiCore<M>;
  stream: StreamCore<T>;
  auth: Authenticator;
  log: Logger;
  host: string;
  port: number;
  /** Browser sign-in: sessions and the site guard. */
  browser?: BrowserAccess;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** See StreamServerOptions. */
  maxBufferedBytes?: number;
  /** The built dashboard's folder, served at `/` (with `browser`, whose guard checks its Host). */
  dashboardDir?: string;
  /** See HttpServerOptions. */
  appOrigins?: readonly string[];
  /** See HttpServerOptions. */
  router?: HttpServerOptions<M>['router'];
  /** WebSocket upgrades of other paths (the fleet's link): true when taken. */
  upgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

export interface ApiServer<T extends TopicTable> {
  url: string;
  port: number;
  stream: StreamServer<T>;
}

export function apiServerService<M extends MethodTable, T extends TopicTable>(options: ApiServerOptions<M, T>): Service<ApiServer<T>> {
  let app: FastifyInstance | undefined;
  let stream: StreamServer<T> | undefined;
  return {
    name: 'api-server',
    async start() {
      // A method or topic without a handler is a wiring bug: fail at start, not at the first call.
      options.api.requireComplete();
      options.stream.requireComplete();
      const browser = options.browser ? { browser: options.browser } : {};
      app = await createHttpServer({
        core: options.api,
        auth: options.auth,
        log: options.log,
        ...(options.tls ? { https: options.tls } : {}),
        ...browser,
        ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
        ...(options.appOrigins === undefined ? {} : { appOrigins: options.appOrigins }),
        ...(options.router === undefined ? {} : { router: options.router }),
      });
      const server = new StreamServer({
        core: options.stream,
        auth: options.auth,
        log: options.log,
        ...browser,
        ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
      });
      stream = server;
      app.server.on('upgrade', (request, socket, head) => {
        if (!options.upgrade?.(request, socket, head)) server.handleUpgrade(request, socket, head);
      });
      try {
        await app.listen({ host: options.host, port: options.port });
      } catch (error) {
        server.close();
        await app.close();
        throw error;
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      options.browser?.guard.listening(port);
      const scheme = options.tls ? 'https' : 'http';
      const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
      return { url: `${scheme}://${urlHost}:${port}`, port, stream: server };
    },
    async stop() {
      stream?.close();
      await app?.close();
    },
  };
}
