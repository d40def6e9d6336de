// The DATA reader: qmail-smtpd's blast() state machine, fed in chunks of any size.
// In: the raw bytes after "354". Out: the stored message (CRLF -> LF, leading dot removed), the
// number of input bytes used, and how it ended: CRLF "." CRLF, or a stray LF (which qmail answers
// with 451 and a hang-up; an end-of-data variant can therefore never start a second message).
// Also counts hops (Received*/Delivered* header lines) and stored bytes. Pure: no I/O.

export const MAX_HOPS = 100;

export interface DataStep {
  /** Stored bytes produced from this chunk (possibly empty). */
  readonly output: Buffer;
  /** Input bytes consumed; less than the chunk only when the message ended inside it. */
  readonly consumed: number;
  readonly ended: boolean;
  readonly strayLf: boolean;
}

const CR = 13;
const LF = 10;
const DOT = 46;
const RECEIVED_LC = Buffer.from('received');
const RECEIVED_UC = Buffer.from('RECEIVED');
const DELIVERED_LC = Buffer.from('delivered');
const DELIVERED_UC = Buffer.from('DELIVERED');

// States of qmail's blast(): 0 in a line, 1 after CRLF, 2 after CRLF ".", 3 after CRLF "." CR,
// 4 after a CR that may start a CRLF.
type State = 0 | 1 | 2 | 3 | 4;

export class DataReader {
  private state: State = 1;
  private inHeader = true;
  private pos = 0;
  private maybeReceived = true;
  private maybeEmpty = true;
  private maybeDelivered = true;
  /** Hop count so far (header lines starting with "received" or "delivered", any case). */
  hops = 0;
  /** Bytes stored so far. */
  stored = 0;

  get tooManyHops(): boolean {
    return this.hops >= MAX_HOPS;
  }

  feed(chunk: Buffer): DataStep {
    const n = chunk.length;
    const out = Buffer.allocUnsafe(n + 2);
    let o = 0;
    let i = 0;
    while (i < n) {
      if (this.state === 0 && !this.inHeader) {
        // Fast path inside a body line: copy up to the next CR or LF in one go.
        let cr = chunk.indexOf(CR, i);
        if (cr === -1) cr = n;
        const lf = chunk.indexOf(LF, i);
        if (lf !== -1 && lf < cr) {
          o += chunk.copy(out, o, i, lf);
          return this.finish(out, o, lf + 1, false, true);
        }
        o += chunk.copy(out, o, i, cr);
        i = cr;
        if (i === n) break;
      }
      const ch = chunk[i++]!;
      if (this.inHeader) this.trackHeader(ch);
      switch (this.state) {
        case 0:
          if (ch === LF) return this.finish(out, o, i, false, true);
          if (ch === CR) {
            this.state = 4;
            continue;
          }
          break;
        case 1:
          if (ch === LF) return this.finish(out, o, i, false, true);
          if (ch === DOT) {
            this.state = 2;
            continue;
          }
          if (ch === CR) {
            this.state = 4;
            continue;
          }
          this.state = 0;
          break;
        case 2:
          if (ch === LF) return this.finish(out, o, i, false, true);
          if (ch === CR) {
            this.state = 3;
            continue;
          }
          this.state = 0;
          break;
        case 3:
          if (ch === LF) return this.finish(out, o, i, true, false);
          out[o++] = DOT;
          out[o++] = CR;
          if (ch === CR) {
            this.state = 4;
            continue;
          }
          this.state = 0;
          break;
        case 4:
          if (ch === LF) {
            this.state = 1;
            break;
          }
          if (ch !== CR) {
            out[o++] = CR;
            this.state = 0;
          }
          break;
      }
      out[o++] = ch;
    }
    return this.finish(out, o, n, false, false);
  }

  private finish(out: Buffer, o: number, consumed: number, ended: boolean, strayLf: boolean): DataStep {
    this.stored += o;
    return { output: out.subarray(0, o), consumed, ended, strayLf };
  }

  /** Hop counting and end-of-header detection on the raw bytes, as qmail does it. */
  private trackHeader(ch: number): void {
    const pos = this.pos;
    if (pos < 9) {
      if (ch !== DELIVERED_LC[pos] && ch !== DELIVERED_UC[pos]) this.maybeDelivered = false;
      if (this.maybeDelivered && pos === 8) this.hops++;
      if (pos < 8 && ch !== RECEIVED_LC[pos] && ch !== RECEIVED_UC[pos]) this.maybeReceived = false;
      if (this.maybeReceived && pos === 7) this.hops++;
      if (pos < 2 && ch !== (pos === 0 ? CR : LF)) this.maybeEmpty = false;
      if (this.maybeEmpty && pos === 1) this.inHeader = false;
      this.pos = pos + 1;
    }
    if (ch === LF) {
      this.pos = 0;
      this.maybeReceived = this.maybeEmpty = this.maybeDelivered = true;
    }
  }
}
