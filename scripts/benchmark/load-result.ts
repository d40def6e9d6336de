// What one run of the load client reports (its one line of JSON), shared by the client and the
// harness. Only a type: no behaviour.

export interface LoadResult {
  /** Messages that got 250 after DATA. */
  readonly accepted: number;
  /** Messages or connections that got any other reply, or broke. */
  readonly errors: number;
  /** Error label (where, and the reply's first characters) to count. */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** From the first connect to the last 250 after DATA. */
  readonly seconds: number;
  /** Per message: MAIL sent to the 250 after DATA. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly connections: number;
  /** Connections whose EHLO offered PIPELINING (so MAIL, RCPT, DATA went together). */
  readonly pipelinedConnections: number;
}
