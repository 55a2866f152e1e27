import { describe, expect, it } from "vitest";
import { progressPrinter } from "../../scripts/progress";

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe("progressPrinter", () => {
  it("prints each update as a whole line when the stream is not a terminal", () => {
    const s = stream(false);
    const p = progressPrinter(s);
    p.update("replay: 10 requests, 5/s");
    p.update("replay: 20 requests, 5/s");
    p.done();
    expect(s.written.join("")).toBe("replay: 10 requests, 5/s\nreplay: 20 requests, 5/s\n");
  });

  it("redraws one line in place on a terminal, ended once when done", () => {
    const s = stream(true);
    const p = progressPrinter(s);
    p.update("replay: 10 requests, 5/s");
    p.update("replay: 20 requests, 5/s");
    p.done();
    const out = s.written.join("");
    expect(out.startsWith("\r")).toBe(true);
    expect(out.split("\n")).toHaveLength(2);
    expect(out.endsWith("\n")).toBe(true);
  });
});
