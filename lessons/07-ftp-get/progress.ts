/**
 * @title A progress bar, on a terminal only (进度条)
 * @article 001 "六、ftp传文件的实现"
 * @imported-by client.ts
 * @run node lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run npx tsx lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run deno run --allow-net --allow-read=. --allow-write=. lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run bun lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 *
 * The article's client prints `file_total_size, received_size` after every recv(1024): one line
 * per KiB. The lesson's client draws one line, `[#########...........] 45%`, redrawn in place,
 * and only on a terminal: a pipe or a file gets no bar at all.
 */

/** Is a bar drawn whose line has not been ended yet (it ends by itself at 100%)? */
let lineOpen = false;

/**
 * A progress bar for one file of `size` bytes: call the function it returns with the number of
 * bytes received so far, after every read.
 */
export function progressBar(size: number) {
  let shown = -1; // the percent on the screen now; none yet
  return (received: number) => {
    // 1. Only on a terminal. \r (carriage return) moves the cursor back to the start of the
    //    line, so each bar is drawn over the last one. In a pipe or a file \r moves nothing:
    //    every redraw would stay, so `client.ts > log.txt` gets no bar at all.
    // 2. Only when the percent has changed: a 1 GiB file is 16,384 reads of 64 KiB, and the
    //    terminal needs no more than 101 bars.
    const percent = Math.floor((received / size) * 100);
    if (process.stdout.isTTY && percent !== shown) {
      process.stdout.write(bar(percent));
      lineOpen = percent < 100;
    }
    shown = percent;
  };
}

/** Before an error is printed: end the bar's line, if one is open. */
export function endBar() {
  // 3. A bar below 100% has not ended its line. Ending it now gives the error that follows a
  //    line of its own, instead of gluing it to `31%`.
  if (lineOpen) process.stdout.write('\n');
  lineOpen = false;
}

/** `\r[#########...........] 45%`: one # for every 5%. At 100% the bar ends its line. */
function bar(percent: number): string {
  const done = '#'.repeat(Math.floor(percent / 5));
  const line = `\r[${done.padEnd(20, '.')}] ${percent}%`;
  if (percent < 100) return line;
  return `${line}\n`;
}
