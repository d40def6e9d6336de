// The message the load client sends: a few ordinary headers, then 74-character lines of text
// until the message is `size` octets (CRLF line ends, no line starting with '.', so nothing is
// dot-stuffed), ending in CRLF. Pure: builds bytes, sends nothing.

const LINE = `${'abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 72)}\r\n`;

export function messageBody(size: number, from: string, to: string): Buffer {
  let text =
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: qfront bench\r\n` +
    'Date: Thu, 1 Jan 2026 00:00:00 +0000\r\nMessage-ID: <bench@sender.bench>\r\n\r\n';
  while (text.length + LINE.length <= size) text += LINE;
  const rest = size - text.length;
  if (rest >= 3) text += `${'x'.repeat(rest - 2)}\r\n`;
  return Buffer.from(text, 'latin1');
}
