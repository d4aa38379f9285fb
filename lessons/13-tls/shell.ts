/**
 * @title Run a command as os.popen does (执行命令)
 * @article 001 "五、SSH的实现"
 * @imported-by shell-server.ts
 * @run node lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run npx tsx lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run deno run --allow-net --allow-read --allow-run --allow-env lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run bun lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @copy-of ../06-remote-shell/shell.ts
 *
 * The server's `os.popen(cmd).read()`: run one command in the system's
 * shell (sh, or cmd.exe on Windows), collect stdout and stderr, and stop it, with everything it
 * started, when it runs too long or prints too much. The output comes back as UTF-8.
 * Taught in lesson 06 (../06-remote-shell/shell.ts); this is a copy, so this
 * folder runs on its own. tests/contract.test.ts checks that it is that file word for word
 * below this header.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

const windows = process.platform === 'win32';

/** A command that is running: its output when it ends, and a way to stop it early. */
export interface Command {
  output: Promise<Buffer>;
  kill(why: string): void;
}

/**
 * Start `command` in a shell. It is killed after `timeout` seconds or `maxOutput` bytes, and the
 * reason is added to the output. `encoding` is what the command prints in (see codePage).
 */
export function runCommand(command: string, timeout: number, maxOutput: number, encoding: string) {
  // 1. Start it in the shell (os.popen(cmd)): sh -c, or cmd.exe /d /s /c on Windows. On Linux
  //    and macOS the shell leads its own process group (detached), so one kill of the group
  //    stops all it started. Windows has no groups: taskkill /T walks the tree of processes.
  const child = spawn(command, {
    shell: true,
    detached: !windows,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let why = ''; // set when we kill it, and told to the client
  let exited = false;
  // Pitfall: a program it started (`ping -t`, a server) can outlive the shell and keep the pipes
  //    open, so "the pipes closed" may never come. Once we kill, the answer ends when the shell
  //    itself exits: we close our end of the pipes then.
  const stopReading = () => {
    child.stdout.destroy();
    child.stderr.destroy();
  };
  child.once('exit', () => {
    exited = true;
    if (why) stopReading();
  });
  // 2. Stop it, with everything it started, when it runs too long or prints too much.
  const kill = (reason: string) => {
    why ||= reason;
    if (windows) {
      const tree = spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F']);
      if (tree.status !== 0) child.kill('SIGKILL'); // no such tree (it ended), or no /T (Wine)
    } else {
      try {
        process.kill(-Number(child.pid), 'SIGKILL'); // minus: the whole group
      } catch {
        // Nothing to do: the group is gone, because the command had already ended.
      }
    }
    if (exited) stopReading();
  };
  const timer = setTimeout(() => kill(`killed after ${timeout} s (--timeout)`), timeout * 1000);
  // 3. Collect stdout and stderr as they come (.read()), up to maxOutput bytes.
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = (chunk: Buffer) => {
    if (size < maxOutput) chunks.push(chunk.subarray(0, maxOutput - size));
    size += chunk.length;
    if (size > maxOutput) kill(`output cut at ${maxOutput} bytes`);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect); // the article's popen() drops stderr

  // 4. When the pipes have closed, the output, as UTF-8: cmd.exe prints in the console's code
  //    page (GBK on a Chinese Windows), which the article's read() decodes for the same reason.
  const output = once(child, 'close').then(() => {
    clearTimeout(timer);
    let text = Buffer.concat(chunks);
    if (encoding !== 'utf-8') text = Buffer.from(new TextDecoder(encoding).decode(text));
    // Why it was stopped, on a line of its own: `[killed after 10 s (--timeout)]`.
    if (why) {
      const newline = size > 0 ? '\n' : '';
      text = Buffer.concat([text, Buffer.from(`${newline}[${why}]\n`)]);
    }
    return text;
  });
  return { output, kill } satisfies Command;
}

/**
 * What the commands print in: UTF-8 on Linux and macOS. On Windows, the console's code page as
 * `chcp` shows it (936 on a Chinese Windows), else the system's OEM code page from the registry
 * (a server with no console), as a name TextDecoder knows.
 */
export function codePage(): string {
  if (!windows) return 'utf-8';
  const registry = 'reg query HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage /v OEMCP';
  const page = [lastNumber('chcp'), lastNumber(registry)].find((each) => each && each !== '0');
  const names: Record<string, string> = {
    936: 'gbk',
    950: 'big5',
    932: 'shift_jis',
    949: 'euc-kr',
  };
  if (page && /^125\d$/.test(page)) return `windows-${page}`;
  return (page && names[page]) || 'utf-8'; // 65001 is UTF-8; 437 and 850 are ASCII for English
}

/** The number at the end of what `command` prints (`活动代码页: 936`, `OEMCP REG_SZ 936`). */
function lastNumber(command: string): string | undefined {
  const run = spawnSync(command, { shell: true, encoding: 'latin1', windowsHide: true });
  return run.stdout?.match(/(\d+)\s*$/)?.[1];
}
