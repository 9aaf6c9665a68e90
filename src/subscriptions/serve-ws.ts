import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';

/** What the graphql-ws hooks see of a connection (`ctx.extra`). */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

export interface ServeWsOptions {
  /** Told of internal errors (a hook that threw); the socket is then closed with 4500. */
  onError(error: unknown, where: string): void;
  /** Ping every this many ms; a socket that does not answer within as long is cut. Default 12 000. */
  keepAliveMs?: number;
  /** Largest message accepted, in bytes (larger: the socket is closed with 1009). Default 1 MiB. */
  maxPayload?: number;
}

export interface GraphQLWsServer {
  /** Hands an HTTP upgrade request to the WebSocket server (the path is the caller's to check). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket with `code` (1001 "going away" by default) and stops accepting. */
  close(code?: number, reason?: string): Promise<void>;
  readonly sockets: ReadonlySet<WebSocket>;
}

/**
 * The `graphql-transport-ws` protocol (graphql-ws's `makeServer`) on `ws` sockets: graphql-ws's own
 * `useServer` adapter, with errors told to the caller's logger instead of the console. Each send
 * waits for the socket to take the message (back-pressure: the next event waits in its stream).
 */
export function serveGraphQLWs<E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>>(
  options: ServerOptions<Record<string, unknown> | undefined, SocketExtra & E>,
  { onError, keepAliveMs = 12_000, maxPayload = 1024 * 1024 }: ServeWsOptions,
  extra: (request: IncomingMessage) => E = () => ({}) as E,
): GraphQLWsServer {
  const server = makeServer(options);
  const wss = new WebSocketServer({ noServer: true, maxPayload, handleProtocols: (protocols) => handleProtocols(protocols) });
  const internalError = (socket: WebSocket, error: unknown, where: string) => {
    onError(error, where);
    if (socket.readyState === socket.OPEN) socket.close(4500, 'Internal server error');
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (error) => internalError(socket, error, 'socket'));
    let pongWait: NodeJS.Timeout | undefined;
    const pinger = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => clearTimeout(pongWait));
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error && socket.readyState === socket.OPEN ? reject(error) : resolve()));
          }),
        close: (code, reason) => {
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
        },
        onMessage: (cb) =>
          socket.on('message', (data) => {
            cb(String(data)).catch((error: unknown) => internalError(socket, error, 'message'));
          }),
      },
      { socket, request, ...extra(request) } as SocketExtra & E,
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(pinger);
      closed(code, String(reason)).catch((error: unknown) => onError(error, 'close'));
    });
  });

  return {
    sockets: wss.clients,
    handleUpgrade(request, socket, head) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    async close(code = 1001, reason = 'Server shutting down') {
      for (const socket of wss.clients) socket.close(code, reason);
      // Sockets that do not answer the close handshake in time are cut.
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2000);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(cut);
    },
  };
}
