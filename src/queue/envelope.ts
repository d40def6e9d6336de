// The envelope qmail-queue reads on fd 1 (qmail-queue(8)): "F" sender NUL, "T" recipient NUL for
// each recipient, then one more NUL. Addresses are latin1 text (one char per byte) and contain
// no NUL: the command reader cuts every line at its first NUL, as qmail's C strings do.

export interface Envelope {
  readonly sender: string;
  readonly recipients: readonly string[];
}

export function envelopeBytes(env: Envelope): Buffer {
  let s = `F${env.sender}\0`;
  for (const r of env.recipients) s += `T${r}\0`;
  s += '\0';
  return Buffer.from(s, 'latin1');
}
