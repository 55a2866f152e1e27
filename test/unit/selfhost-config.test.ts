import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeVars } from "../../tools/selfhost";
import { capnpString, parseSelfhostArgs, parseVar, UsageError, VAR_ENV_PREFIX, varEnvironment, workerdConfig, type WorkerdPlan } from "../../tools/selfhost-config";

describe("selfhost command line", () => {
  it("takes --var as wrangler dev does: split at the first colon, several after one flag or one per flag, later wins", () => {
    const args = parseSelfhostArgs(["--port", "9000", "--var", "UPSTREAM_URL:http://10.0.0.5:8000/v1", "GUARD_MODE:shadow", "--state", "/srv/guard", "--var=GUARD_MODE:enforce"]);
    expect(args).toEqual({
      port: 9000,
      ip: "127.0.0.1",
      state: "/srv/guard",
      envFiles: [],
      vars: [
        ["UPSTREAM_URL", "http://10.0.0.5:8000/v1"],
        ["GUARD_MODE", "shadow"],
        ["GUARD_MODE", "enforce"],
      ],
    });
    expect(parseVar("EMPTY:")).toEqual(["EMPTY", ""]);
    expect(parseVar('DETECTION_POLICY:{"version":2}')).toEqual(["DETECTION_POLICY", '{"version":2}']);
  });

  it("has a documented default state directory and listen address", () => {
    const args = parseSelfhostArgs(["--port=8787"]);
    expect(args.state).toBe(".selfhost");
    expect(args.ip).toBe("127.0.0.1");
  });

  it.each([
    [[], /--port/],
    [["--port", "0"], /--port/],
    [["--port", "70000"], /--port/],
    [["--port", "x"], /--port/],
    [["--port", "1", "--var", "NOCOLON"], /NAME:VALUE/],
    [["--port", "1", "--var", "BAD-NAME:x"], /NAME:VALUE/],
    [["--port", "1", "--var"], /--var needs a value/],
    [["--port", "1", "--persist-to", "x"], /unknown option --persist-to/],
    [["--port", "1", "stray"], /unexpected argument/],
  ])("refuses %j with a usage error", (argv, message) => {
    expect(() => parseSelfhostArgs(argv)).toThrow(UsageError);
    expect(() => parseSelfhostArgs(argv)).toThrow(message);
  });
});

describe("selfhost vars", () => {
  it("layers wrangler.toml, then env files, then --var; trusts no client-address header unless told", () => {
    const dir = mkdtempSync(join(tmpdir(), "selfhost-vars-"));
    const file = join(dir, "guard.env");
    writeFileSync(file, "GUARD_SECRET=from-file\nADMIN_TOKEN='quoted token'\nGUARD_MODE=shadow\n");
    const vars = mergeVars({ GUARD_MODE: "enforce", GUARD_ENV: "development", DETECTION_POLICY: { version: 2 } }, [file], [["GUARD_ENV", "production"]]);
    expect(vars).toEqual({
      CLIENT_IP_HEADER: "",
      GUARD_MODE: "shadow",
      GUARD_ENV: "production",
      GUARD_SECRET: "from-file",
      ADMIN_TOKEN: "quoted token",
      DETECTION_POLICY: { version: 2 },
    });
    expect(mergeVars({}, [], [["CLIENT_IP_HEADER", "x-real-ip"]]).CLIENT_IP_HEADER).toBe("x-real-ip");
    expect(() => mergeVars({}, [join(dir, "missing.env")], [])).toThrow(/--env-file .*missing\.env/);
  });
});

describe("generated workerd config", () => {
  const plan: WorkerdPlan = {
    address: "127.0.0.1:8787",
    stateDir: "/srv/guard state/é",
    module: "worker.js",
    compatibilityDate: "2026-11-01",
    compatibilityFlags: [],
    durableObjects: [
      { name: "ACCOUNT_GUARD", className: "AccountGuard" },
      { name: "AUDIT_LOG", className: "AuditLog" },
    ],
    workerName: "distill-guard",
    vars: { GUARD_SECRET: 's3cr"t\\', DETECTION_POLICY: { version: 2, noveltyRatio: 0.85 } },
  };

  it("declares every Durable Object SQLite-backed on the state directory, with stable namespace keys", () => {
    const text = workerdConfig(plan);
    expect(text).toContain('(className = "AccountGuard", uniqueKey = "distill-guard-AccountGuard", enableSql = true)');
    expect(text).toContain('(className = "AuditLog", uniqueKey = "distill-guard-AuditLog", enableSql = true)');
    expect(text).toContain('(name = "ACCOUNT_GUARD", durableObjectNamespace = "AccountGuard")');
    expect(text).toContain('durableObjectStorage = (localDisk = "state")');
    expect(text).toContain('disk = (path = "/srv/guard state/\\xc3\\xa9", writable = true)');
    expect(text).toContain('address = "127.0.0.1:8787"');
    expect(text).toContain('compatibilityDate = "2026-11-01"');
    // Upstreams inside the perimeter sit on private or loopback addresses.
    expect(text).toContain('allow = ["public", "private", "local"]');
  });

  it("keeps string values (secrets) out of the file: workerd reads them from its environment", () => {
    const text = workerdConfig(plan);
    expect(text).not.toContain("s3cr");
    expect(text).toContain(`(name = "GUARD_SECRET", fromEnvironment = "${VAR_ENV_PREFIX}GUARD_SECRET")`);
    expect(varEnvironment(plan.vars)).toEqual({ [`${VAR_ENV_PREFIX}GUARD_SECRET`]: 's3cr"t\\' });
    // A TOML table stays a JSON binding, as wrangler passes it.
    expect(text).toContain('(name = "DETECTION_POLICY", json = "{\\"version\\":2,\\"noveltyRatio\\":0.85}")');
  });

  it("trusts an extra CA only when given one", () => {
    expect(workerdConfig(plan)).not.toContain("trustedCertificates");
    expect(workerdConfig({ ...plan, upstreamCa: "upstream-ca.pem" })).toContain('trustedCertificates = [embed "upstream-ca.pem"]');
  });

  it("refuses a binding name Cap'n Proto or workerd would misread", () => {
    expect(() => workerdConfig({ ...plan, vars: { "A-B": "x" } })).toThrow(/not a binding name/);
    expect(() => workerdConfig({ ...plan, durableObjects: [{ name: "X", className: 'A")' }] })).toThrow(/not a binding name/);
  });

  it("escapes Cap'n Proto strings byte by byte", () => {
    expect(capnpString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(capnpString("\n€")).toBe('"\\x0a\\xe2\\x82\\xac"');
  });
});
