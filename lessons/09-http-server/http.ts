/**
 * @title HTTP messages (HTTP 请求与响应报文)
 * @article 004 "4. 自定义简单的静态服务器"
 * @imported-by server.ts, connection.ts
 * @run node lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run npx tsx lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run deno run --allow-net --allow-read lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run bun lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 *
 * The text side of HTTP/1.1, imported by server.ts and connection.ts: a request's request line
 * and header fields, and a response with the headers every response needs. The lesson's steps
 * 9-11 (parse a head that connection.ts has received) and 16 (the bytes of the answer that
 * connection.ts sends) are here; server.ts has 1-4 and 12-13, connection.ts 5-8 and 14-15.
 */

/** Parse a request head; a number is the error status to answer with instead. */
export function parseHead(head: string): Request | number {
  // The head's first line is the request line; every line after it is a header field.
  const [requestLine, ...fields] = head.trimEnd().split(/\r?\n/);

  // 9. The request line: METHOD, one space, the target, one space, HTTP/1.x.
  // Pitfall: the article takes split(" ")[1], which raises IndexError on a line without spaces.
  const line = /^([A-Z]+) (\S+) HTTP\/(\d\.\d)$/.exec(requestLine);
  if (!line) return 400;
  const method = line[1];
  const target = line[2];
  const version = line[3];
  if (version !== '1.1' && version !== '1.0') return 505;
  let path: string;
  try {
    path = new URL(target, 'http://localhost').pathname; // also takes http://host/go
  } catch {
    return 400; // not a URL at all
  }

  // 10. The header fields: `Name: value`, one a line. Anything else is malformed.
  const headers = new Map<string, string>();
  for (const field of fields) {
    const match = /^([\w!#$%&'*+.^`|~-]+):[ \t]*(.*?)[ \t]*$/.exec(field);
    if (!match) return 400;
    const name = match[1].toLowerCase();
    const value = match[2];
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }

  // 11. What HTTP/1.1 requires a server to check: a Host, and a body length it can trust.
  if (version === '1.1' && !headers.has('host')) return 400;
  if (headers.has('transfer-encoding')) return 501; // chunked request bodies: not in this lesson
  const length = headers.get('content-length') ?? '0';
  if (!/^\d+$/.test(length)) return 400; // two different lengths arrive as "5, 6"
  return { method, target, path, version, headers, bodyLength: Number(length) };
}

/**
 * Text safe to put inside HTML (server.ts, step 13): the five characters that could start markup
 * are escaped.
 */
export function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
  };
  return text.replace(/[&<>"']/g, (char) => entities[char]);
}

// 16. The response: status line, header fields, a blank line, then the body (none for HEAD).
//     The head is ASCII text (latin1); the body is UTF-8, and Content-Length counts its bytes.
export function response(status: number, body: string, extra: string[], withBody: boolean) {
  const bytes = Buffer.from(body, 'utf8');
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    `Date: ${httpDate()}`, // e.g. Sun, 06 Nov 1994 08:49:37 GMT
    'Server: PWS1.0',
    `Content-Length: ${bytes.length}`, // the only way a kept-alive client knows where it ends
    ...extra,
  ];
  const headBytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  return withBody ? Buffer.concat([headBytes, bytes]) : headBytes;
}

/**
 * The Date field's text, made at most once a second: it names whole seconds, and a busy server
 * would otherwise format the same date for every answer (node:http caches it the same way).
 */
let date = { second: -1, text: '' };
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== date.second) date = { second, text: new Date(second * 1000).toUTCString() };
  return date.text;
}

/** The most a request head (request line and header fields) may take; more gets 431. */
export const MAX_HEAD = 8 * 1024;

/** The reason phrase that follows each status code in the status line. */
export const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** A request, as parseHead reads it from its head. */
export interface Request {
  method: string;
  target: string;
  /** The target's path, without the query: `/go?x=1` is `/go`. */
  path: string;
  version: string;
  /** Field names in lower case; a repeated field's values joined with ", ". */
  headers: Map<string, string>;
  /** The bytes of body that follow the head (Content-Length), to be skipped. */
  bodyLength: number;
}
