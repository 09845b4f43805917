export interface MemoryPki { caPem: string; chainPem: string; keyPem: string }
export interface HeapFigures { server: number; client: number; serverMemory: number; clientMemory: number }
export interface IdleRun {
  open(n: number, batch?: number): void;
  heap(): HeapFigures;
  free(): void;
  stats(): { connections: number; connected: number; closed: number };
}
export function idleConnections(pki: MemoryPki, opts?: { quic?: Record<string, unknown>; serverQuic?: Record<string, unknown>; tag?: string }): Promise<IdleRun>;
export function bytesPerIdleConnection(pki: MemoryPki, n: number, opts?: { quic?: Record<string, unknown>; serverQuic?: Record<string, unknown> }): Promise<{
  n: number; server: number; client: number; serverHeap: number; clientHeap: number; serverMemory: number; clientMemory: number;
}>;
export function makeMemoryPki(): MemoryPki;
