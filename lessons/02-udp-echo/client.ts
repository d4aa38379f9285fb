/**
 * @title UDP echo client (UDP 客户端)
 * @article 003 "一、UDP 网络程序"
 * @run node lessons/02-udp-echo/client.ts [--port 8080] [--timeout 5]
 * @run npx tsx lessons/02-udp-echo/client.ts [--port 8080] [--timeout 5]
 * @run deno run --allow-net lessons/02-udp-echo/client.ts [--port 8080] [--timeout 5]
 * @run bun lessons/02-udp-echo/client.ts [--port 8080] [--timeout 5]
 *
 * Sends `nice to meet you too`, prints the port the OS gave it, and waits for the reply. Lines
 * typed meanwhile are sent too: one socket sends and receives at the same time (全双工).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { exitWith, fail, hostPort, parseCli, seconds, stdinLines } from '../../shared/helpers.ts';

const usage = 'client.ts [--host 127.0.0.1] [--port 8080] [--timeout 5]';
const args = parseCli(usage, 8080, { timeout: { type: 'string', default: '5' } });
const timeoutMs = seconds(args.timeout, usage) * 1000;
const server = hostPort(args.host, args.port);

// 1. Create a UDP socket (创建套接字). No bind(): the OS picks a temporary port at the first send.
const client = dgram.createSocket(isIPv6(args.host) ? 'udp6' : 'udp4');
client.on('error', (err) => fail(err, args.host, args.port));

// UDP never says "nobody is there", so silence is the only sign of a missing server. A timer (the
// article's settimeout, which bounds each recvfrom) runs only while a reply is due: from a send
// until its reply (waitForReplies, below). A user who types nothing is not waiting for anything.
let awaitingReplies = 0;
let inputDone = false;
let timer: ReturnType<typeof setTimeout> | undefined;

// 2. Send data (sendto): one call, one datagram (send, below, also starts the timer).
send('nice to meet you too');

// 3. Print the port the OS assigned (getsockname), once the socket is bound.
client.once('listening', () => {
  const { address, port } = client.address();
  console.log(`local address: ${hostPort(address, port)}`);
});

// 4. Receive (recvfrom): each reply is one 'message' event, whenever it arrives.
client.on('message', (data, sender) => {
  console.log(`${hostPort(sender.address, sender.port)} replied: ${data.toString('utf8')}`);
  awaitingReplies = Math.max(0, awaitingReplies - 1); // a stray extra datagram is no reply due
  waitForReplies();
  if (inputDone && awaitingReplies <= 0) finish();
});

// Full duplex (全双工): typed lines go out while replies keep arriving. The article needs threads
// for this; Node's event loop does both on one thread.
for await (const line of stdinLines('exit')) {
  send(line);
}
inputDone = true;

// 5. Close the socket (关闭套接字) once no reply is due. If one is, the 'message' handler above
//    closes it when the last reply comes, or the timer gives up (noReply, exit code 1).
if (awaitingReplies <= 0) finish();

/** One datagram to the server, which then owes us one more reply. */
function send(text: string) {
  awaitingReplies++;
  waitForReplies();
  client.send(text, args.port, args.host);
}

/** (Re)start the timer while replies are due, stop it when none is. */
function waitForReplies() {
  clearTimeout(timer);
  if (awaitingReplies > 0) {
    timer = setTimeout(noReply, timeoutMs);
  } else {
    timer = undefined;
  }
}

function noReply() {
  exitWith(1, `error: no reply from ${server} within ${args.timeout} s; is the server running?`);
}

function finish() {
  clearTimeout(timer);
  client.close();
}
