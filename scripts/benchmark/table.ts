// The printed results: per cell a Markdown table of every peer's figures, then the ratios of
// each qfront door to each peer (median msgs/s: above 1 means qfront is faster; CPU ms/msg:
// below 1 means qfront is cheaper), then a summary of the msgs/s ratios over all cells.
// Formatting only: reads results, writes a string.

import { cellTitle } from './cells.js';
import type { PeerName } from './peers/peer.js';
import { summaryOf, type CellResult, type Summary } from './results.js';

const QFRONT_DOORS: readonly PeerName[] = ['qfront-listener', 'qfront-stdio'];

function num(x: number): string {
  if (x >= 100) return Math.round(x).toString();
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function ratio(a: number, b: number): string {
  return a > 0 && b > 0 ? `${num(a / b)}×` : '–';
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '';

function peerRow(name: PeerName, cell: CellResult): string {
  const result = cell.peers.get(name);
  if (result === undefined) return '';
  if (result.status === 'n/a') return `| ${name} | n/a: ${firstLine(result.reason)} | | | | | |`;
  const s = summaryOf(result);
  const failed = result.status === 'failed' ? ` FAILED: ${firstLine(result.reason)}` : '';
  if (s === undefined) return `| ${name} |${failed} | | | | | |`;
  const r = s.msgsPerSecond;
  const errors = s.errors > 0 ? `**${s.errors}** ⚠` : '0';
  const latency = (ms: number): string => (s.p50Ms === 0 && s.p99Ms === 0 ? '–' : num(ms));
  return `| ${name}${failed} | ${num(r.min)} / **${num(r.median)}** / ${num(r.max)} | ${latency(s.p50Ms)} | ${latency(s.p99Ms)} | ${num(s.cpuMsPerMessage)} | ${num(s.peakRssMiB)} | ${errors} |`;
}

function ratioRows(cell: CellResult, peers: readonly PeerName[]): string[] {
  const others = peers.filter((p) => !QFRONT_DOORS.includes(p) && summaryOf(cell.peers.get(p)) !== undefined);
  const doors = QFRONT_DOORS.filter((d) => summaryOf(cell.peers.get(d)) !== undefined);
  if (others.length === 0 || doors.length === 0) return [];
  const rows = [`| qfront ÷ peer (msgs/s; CPU/msg) | ${others.join(' | ')} |`, `|---|${others.map(() => '---').join('|')}|`];
  for (const door of doors) {
    const d = summaryOf(cell.peers.get(door))!;
    const cells = others.map((p) => {
      const o = summaryOf(cell.peers.get(p))!;
      return `${ratio(d.msgsPerSecond.median, o.msgsPerSecond.median)}; ${ratio(d.cpuMsPerMessage, o.cpuMsPerMessage)}`;
    });
    rows.push(`| ${door} | ${cells.join(' | ')} |`);
  }
  return rows;
}

export function cellTable(cell: CellResult, peers: readonly PeerName[]): string {
  const lines = [
    `### ${cellTitle(cell.cell)}`,
    '',
    '| peer | msgs/s min / **median** / max | p50 ms | p99 ms | CPU ms/msg | peak RSS MiB | errors |',
    '|---|---|---|---|---|---|---|',
    ...peers.map((p) => peerRow(p, cell)).filter(Boolean),
  ];
  const ratios = ratioRows(cell, peers);
  if (ratios.length > 0) lines.push('', ...ratios);
  const kinds = peers.flatMap((p) => {
    const s: Summary | undefined = summaryOf(cell.peers.get(p));
    return s === undefined ? [] : Object.entries(s.errorKinds).map(([k, n]) => `- ${p}: ${n} × ${k}`);
  });
  if (kinds.length > 0) lines.push('', 'errors:', ...kinds);
  return lines.join('\n');
}

/** One row per cell: each qfront door's median msgs/s over each peer's. */
export function ratioSummary(cells: readonly CellResult[], peers: readonly PeerName[]): string {
  const others = peers.filter((p) => !QFRONT_DOORS.includes(p));
  const doors = QFRONT_DOORS.filter((d) => peers.includes(d));
  const columns = doors.flatMap((d) => others.map((o) => ({ d, o })));
  if (columns.length === 0) return '';
  const short = (p: PeerName): string => (p === 'qfront-listener' ? 'listener' : p === 'qfront-stdio' ? 'stdio' : p);
  const lines = [
    '### qfront ÷ peer, median msgs/s',
    '',
    `| cell | ${columns.map(({ d, o }) => `${short(d)} ÷ ${o}`).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const cell of cells) {
    const row = columns.map(({ d, o }) => {
      const a = summaryOf(cell.peers.get(d));
      const b = summaryOf(cell.peers.get(o));
      return a === undefined || b === undefined ? '–' : ratio(a.msgsPerSecond.median, b.msgsPerSecond.median);
    });
    lines.push(`| ${cellTitle(cell.cell)} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}
