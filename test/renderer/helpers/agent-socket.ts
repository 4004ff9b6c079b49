/**
 * The dashboard's agent connection in Node: `ws` in place of the browser's WebSocket, with a
 * record of what was opened and a gate that can hold back tick messages (to see what arrives
 * without them), and a wire log of the JSON messages each way.
 */
import { after, before } from 'node:test';
import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from '../../../shared/contract/stream-client';
import { type AgentConnection, connectAgent } from '../../../renderer/src/agent/agent-connection';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

export interface SocketGate {
  /** While true, `ticks` messages from the agent are dropped before the client sees them. */
  holdTicks: boolean;
  /** Every connection attempt: the URL and subprotocols asked for. */
  opened: Array<{ url: string; protocols: string[] }>;
  /** JSON the client sent, parsed. */
  sent: any[];
}

export function gatedSocket(gate: SocketGate): WebSocketFactory {
  return (url, protocols) => {
    gate.opened.push({ url, protocols });
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false });
    const like: WebSocketLike = {
      get binaryType() {
        return socket.binaryType;
      },
      set binaryType(value: string) {
        socket.binaryType = value as WebSocket['binaryType'];
      },
      get readyState() {
        return socket.readyState;
      },
      send(data) {
        gate.sent.push(JSON.parse(data));
        socket.send(data);
      },
      close(code, reason) {
        socket.close(code, reason);
      },
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    socket.onopen = (event) => like.onopen?.(event);
    socket.onmessage = (event) => {
      if (gate.holdTicks && typeof event.data === 'string' && (JSON.parse(event.data) as { type?: string }).type === 'ticks') return;
      like.onmessage?.({ data: event.data });
    };
    socket.onclose = (event) => like.onclose?.({ code: event.code, reason: event.reason });
    socket.onerror = (event) => like.onerror?.(event);
    return like;
  };
}

export function newGate(): SocketGate {
  return { holdTicks: false, opened: [], sent: [] };
}

/** connectAgent as the brief's Node tests use it: Node's fetch, `ws` through the gate, quick reconnects. */
export function connectForTest(url: string, token: string | undefined, gate: SocketGate = newGate()): AgentConnection {
  return connectAgent({
    url,
    ...(token === undefined ? {} : { token }),
    fetch: (u, init) => fetch(u, init),
    connect: gatedSocket(gate),
    reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
  });
}

/** One real agent and a dashboard connection to it for a whole test file, stopped after it. */
export function shareAgent(options: Parameters<typeof startTestAgent>[0], use: (shared: { agent: TestAgent; connection: AgentConnection }) => void): void {
  let agent: TestAgent | undefined;
  let connection: AgentConnection | undefined;
  before(async () => {
    agent = await startTestAgent(options);
    connection = connectForTest(agent.agent.url, TEST_TOKEN);
    use({ agent, connection });
  });
  after(async () => {
    connection?.close();
    await agent?.stop();
  });
}
