// The telegraph's end of a serial line (a pty pair's other end), played by a test.
import { EventEmitter } from "node:events";
import type { ReadStream } from "node:tty";
import { LineReader } from "../../server/links/line-protocol";
import { within } from "./wait";

/** The telegraph's end, played by the test: it keeps every line the server sends but PING, which it answers unless muted. */
export class Telegraph {
  readonly heard: string[] = [];
  answering = true;
  private readonly news = new EventEmitter();

  constructor(readonly end: ReadStream) {
    const reader = new LineReader();
    end.on("data", (chunk: Buffer) =>
      reader.feed(
        chunk,
        (line) => this.hear(line),
        () => {},
      ),
    );
  }

  private hear(line: string): void {
    if (line === "PING") {
      if (this.answering) void this.write("PONG\n");
      return;
    }
    this.heard.push(line);
    this.news.emit("line");
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.end.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Resolves once the server has sent `line`, counting from the `from`-th line heard. */
  line(line: string, from = 0): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = () => this.heard.indexOf(line, from) >= 0 && (this.news.off("line", check), resolve());
        this.news.on("line", check);
        check();
      }),
      `${JSON.stringify(line)} from the server`,
    );
  }
}
