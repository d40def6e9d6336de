// qlogenvelope / qlogreceived lines (the qlog patch in sagredo's qmail, spec section 6): one line
// per decision, fixed field order, every key always present, values with every byte outside
// 0x21-0x7E written as '_'. Log parsers and multilog '+*qlog*' filters depend on this exact form:
// never reorder, rename or drop a field. No timestamp: multilog adds it.

export type QlogHead = 'qlogenvelope' | 'qlogreceived';

export interface QlogFields {
  result: 'accepted' | 'rejected';
  code: number;
  reason: string;
  detail: string;
  helo: string;
  mailfrom: string;
  rcptto: string;
  relay: 'yes' | 'no';
  rcpthosts: '' | 'yes' | 'no';
  size: string;
  authuser: string;
  authtype: string;
  encrypted: string;
  sslverified: string;
  localip: string;
  localport: string;
  remoteip: string;
  remoteport: string;
  remotehost: string;
  qp: string;
  pid: string;
}

const ORDER: readonly (keyof QlogFields)[] = [
  'result', 'code', 'reason', 'detail', 'helo', 'mailfrom', 'rcptto', 'relay', 'rcpthosts',
  'size', 'authuser', 'authtype', 'encrypted', 'sslverified', 'localip', 'localport',
  'remoteip', 'remoteport', 'remotehost', 'qp', 'pid',
];

const UNSAFE = /[^\x21-\x7e]/g;

/** A value as qlog writes it: bytes outside 0x21-0x7E become '_'. */
export function qlogValue(v: string): string {
  return v.replace(UNSAFE, '_');
}

export function formatQlog(head: QlogHead, fields: QlogFields): string {
  let line = `${head}:`;
  for (const key of ORDER) line += ` ${key}=${qlogValue(String(fields[key]))}`;
  return line;
}
