// A Mermaid sequence diagram of a demo's real traffic, as the relay (wire.ts) recorded it: each
// client, the server, each message with its length, FIN and RST. Chunks that followed each other
// in one direction are drawn as one message: TCP keeps no edges between them.
import type { Relay, WireEvent } from './wire.ts';

export const DIAGRAM_BEGIN =
  '<!-- diagram: made by `npm run transcripts` from the traffic of the demo; do not edit by hand -->';
export const DIAGRAM_END = '<!-- end of diagram -->';

/** A short, safe label for a message's bytes (Mermaid reads # and ; itself). */
function preview(bytes: Buffer, tidy: (text: string) => string): string {
  const text = tidy(bytes.toString('utf8'));
  const control = [...bytes].some((byte) => byte < 0x20 && ![9, 10, 13].includes(byte));
  if (text.includes('\ufffd') || control) return '(binary)';
  const flat = text
    .replace(/\r?\n/g, '⏎')
    .replace(/[#;:"<>]/g, ' ')
    .replace(/\s+/g, ' ');
  return flat.length > 28 ? `${flat.slice(0, 28)}…` : flat;
}

/**
 * The diagram of what the relay recorded. `tidy` rewrites what varies from run to run in the
 * bytes shown (ports, an HTTP date), as the transcript does.
 */
export function diagram(relay: Relay, tidy: (text: string) => string = (text) => text): string {
  const lines = ['sequenceDiagram'];
  const connections = [...new Set(relay.events.map((event) => event.connection))];
  const many = connections.length > 1;
  for (const connection of connections) {
    lines.push(`  participant C${connection} as client${many ? ` ${connection}` : ''}`);
  }
  lines.push('  participant S as server');
  const udp = relay.protocol === 'udp';
  // Merge runs of data in one direction on one connection (TCP only: a datagram is a message).
  const merged: WireEvent[] = [];
  for (const event of relay.events) {
    const last = merged.findLast((each) => each.connection === event.connection);
    const same =
      !udp &&
      last?.kind === 'data' &&
      event.kind === 'data' &&
      last.direction === event.direction &&
      merged.at(-1) === last;
    if (same && last?.bytes && event.bytes) last.bytes = Buffer.concat([last.bytes, event.bytes]);
    else merged.push({ ...event });
  }
  for (const event of merged) {
    const c = `C${event.connection}`;
    const [from, to] = event.direction === 'to client' ? ['S', c] : [c, 'S'];
    switch (event.kind) {
      case 'connect':
        lines.push(`  Note over ${c},S: connected`);
        break;
      case 'data': {
        const size = event.bytes?.length ?? 0;
        const what = udp ? 'datagram, ' : '';
        const bytes = `${size} byte${size === 1 ? '' : 's'}`;
        lines.push(
          `  ${from}->>${to}: ${what}${bytes} ${preview(event.bytes ?? Buffer.alloc(0), tidy)}`,
        );
        break;
      }
      case 'fin':
        lines.push(`  ${from}-)${to}: FIN`);
        break;
      case 'reset':
        lines.push(`  ${from}-x${to}: RST`);
        break;
      case 'refused':
        lines.push(`  Note over ${c},S: refused`);
        break;
      case 'close':
        break; // both FINs (or a reset) already say it
    }
  }
  return lines.join('\n');
}

/**
 * What must not drift, whatever the timing: for each client and direction, how many bytes in
 * all and how the direction ended (FIN, RST). Chunks may merge differently from run to run.
 */
export function trafficSummary(mermaid: string): string[] {
  const totals = new Map<string, { bytes: number; messages: number; ends: string[] }>();
  for (const line of mermaid.split('\n')) {
    const match = line.match(
      /^ {2}(C\d+|S)(->>|-\)|-x)(C\d+|S): (?:(datagram, )?(\d+) bytes?|(FIN|RST))/,
    );
    if (!match) continue;
    const [, from, , to, datagram, size, end] = match;
    const key = `${from} to ${to}`;
    const entry = totals.get(key) ?? { bytes: 0, messages: 0, ends: [] };
    if (size) entry.bytes += Number(size);
    if (datagram) entry.messages += 1;
    if (end) entry.ends.push(end);
    totals.set(key, entry);
  }
  const sorted = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
  return sorted.map(([key, each]) => {
    const datagrams = each.messages ? `, ${each.messages} datagrams` : '';
    return `${key}: ${each.bytes} bytes${datagrams}${each.ends.length ? `, ${each.ends.join(' ')}` : ''}`;
  });
}

/** The diagram inside a README, or undefined if it has none. */
export function diagramIn(readme: string): string | undefined {
  return readme
    .replaceAll('\r\n', '\n')
    .split(DIAGRAM_BEGIN)[1]
    ?.split(DIAGRAM_END)[0]
    ?.match(/^\n```mermaid\n([\s\S]*?)\n```\n$/)?.[1];
}

/** The README with its diagram replaced, or added (after `intro`) below its transcript. */
export function withDiagram(readme: string, mermaid: string, intro: string): string {
  const block = `${DIAGRAM_BEGIN}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${DIAGRAM_END}`;
  const crlf = readme.includes('\r\n');
  let text = readme.replaceAll('\r\n', '\n');
  const start = text.indexOf(DIAGRAM_BEGIN);
  const stop = text.indexOf(DIAGRAM_END);
  if (start >= 0 && stop > start) {
    text = text.slice(0, start) + block + text.slice(stop + DIAGRAM_END.length);
  } else {
    const end = '<!-- end of transcript -->';
    const at = text.indexOf(end);
    if (at < 0) return readme;
    text = `${text.slice(0, at + end.length)}\n\n${intro}\n\n${block}${text.slice(at + end.length)}`;
  }
  return crlf ? text.replaceAll('\n', '\r\n') : text;
}
