// The hub's metrics (prom-client, on a Registry of its own so several hubs
// in one process do not collide): `/metrics` in Prometheus text and
// `/metrics.json`. Names and meanings: docs/realtime.md "Metrics".
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type TransportName = 'webtransport' | 'websocket';

export class HubMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'realtime_connections', help: 'Open connections by transport', labelNames: ['transport'], registers: [this.registry] });
  readonly quicRatio = new Gauge({
    name: 'realtime_quic_websocket_ratio', help: 'WebTransport connections per WebSocket connection (WebTransport count when there are no WebSocket connections)', registers: [this.registry],
    collect: () => {
      const wt = this.#open.webtransport, ws = this.#open.websocket;
      this.quicRatio.set(ws === 0 ? wt : wt / ws);
    },
  });
  readonly messages = new Counter({ name: 'realtime_messages_total', help: 'Frames by direction (in: from clients, out: to clients) and transport', labelNames: ['direction', 'transport'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'realtime_bytes_total', help: 'Frame bytes by direction and transport', labelNames: ['direction', 'transport'], registers: [this.registry] });
  readonly rtt = new Histogram({ name: 'realtime_ping_rtt_seconds', help: 'Ping round-trip time by transport', labelNames: ['transport'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly processing = new Histogram({ name: 'realtime_processing_seconds', help: 'Hub time from a msg received to its ack, by message type', labelNames: ['type'], buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5], registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'realtime_auth_failures_total', help: 'Refused connection attempts by transport and reason', labelNames: ['transport', 'reason'], registers: [this.registry] });
  readonly sendFailures = new Counter({ name: 'realtime_send_failures_total', help: 'Frames that could not be sent, by transport', labelNames: ['transport'], registers: [this.registry] });
  readonly droppedDeliveries = new Counter({ name: 'realtime_dropped_deliveries_total', help: 'Unacked deliveries dropped because a client stayed away too long', registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'realtime_duplicate_messages_total', help: 'msg frames received again (acked again, not processed again)', registers: [this.registry] });
  readonly fallbacks = new Counter({ name: 'realtime_client_fallbacks_total', help: 'Fallbacks to WebSocket reported by clients (msg type fallback), by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly #open = { webtransport: 0, websocket: 0 };

  constructor() {
    this.connections.set({ transport: 'webtransport' }, 0);
    this.connections.set({ transport: 'websocket' }, 0);
  }

  opened(t: TransportName): void { this.#open[t]++; this.connections.inc({ transport: t }); }
  closed(t: TransportName): void { this.#open[t]--; this.connections.dec({ transport: t }); }
  frame(direction: 'in' | 'out', t: TransportName, bytes: number): void {
    this.messages.inc({ direction, transport: t });
    this.bytes.inc({ direction, transport: t }, bytes);
  }

  text(): Promise<string> { return this.registry.metrics(); }
  json(): Promise<unknown> { return this.registry.getMetricsAsJSON(); }
}
