/**
 * Offline account-policy simulation: each key's requests of a scenario through the Worker's
 * observation and the account object's window and policy (no fingerprints, no HTTP), to see in
 * seconds where each key would first be throttled. A tuning aid beside `npm run eval`, which is
 * the measure.
 *
 *   npm run account-sim -- SCENARIO.jsonl[.gz] [--var KEY=VALUE ...] [--trace ACTOR_PREFIX]
 *
 * Instruction frames (core/signals/frames.ts) are tallied as the frame objects do, and a new
 * account's eligible single-shot request is refused while its frame's verdict stands.
 *
 * `--trace` prints the figures and score of each of the first 14 requests of matching actors' keys.
 */
import { parseConfig } from "../core/config";
import { deriveHashKey } from "../core/hash";
import { nextVerdict } from "../core/verdict";
import { Ledger } from "../core/signals/ledger";
import { readScenario } from "../eval/scenario";
import { actionFor, assessFrame } from "../core/policy";
import { FrameTally, frameEligible, isNewAccount } from "../core/signals/frames";
import { ACCOUNT_LEDGER_CAPACITY, accountWindow, assessAccountWindow, recordAccountPrompt } from "../durable-objects/windows";
import { formatForPath, parseBody } from "../worker/formats";
import { addressPrefix } from "../worker/identity";
import { buildObservation } from "../worker/observation";

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && !a.includes("=") && args[i - 1] !== "--trace");
if (!file) throw new Error("usage: account-sim SCENARIO [--var K=V ...]");
const vars: Record<string, string> = {};
for (let i = 0; i < args.length; i++)
  if (args[i] === "--var") {
    const [k, ...v] = (args[++i] ?? "").split("=");
    if (k) vars[k] = v.join("=");
  }
const traceAt = args.indexOf("--trace");
const trace = traceAt >= 0 ? args[traceAt + 1] : undefined;
const cfg = parseConfig(vars);
const key = await deriveHashKey("account-sim-secret");

interface KeyState {
  cohortBlocked?: boolean;
  id?: number;
  actor: string;
  label: string;
  w: ReturnType<typeof accountWindow>;
  ledger: Ledger;
  lastFresh: number | null;
  verdict: ReturnType<typeof nextVerdict> | null;
  n: number;
  served: number;
  firstRefused: number | null;
  reasons: string[];
}
const keys = new Map<string, KeyState>();
const frames = new Map<string, FrameTally>();
/** Per frame: the keys that swept it, and whether it has blocked them (durable-objects/frame-guard.ts). */
const cohorts = new Map<string, { keys: KeyState[]; blocked: boolean }>();
let accountNo = 0;
for await (const line of readScenario(file)) {
  const format = formatForPath(line.path);
  if (!format || !line.key) continue;
  let st = keys.get(line.key);
  if (!st)
    keys.set(
      line.key,
      (st = {
        actor: line.actor,
        label: line.label,
        w: accountWindow(cfg),
        ledger: new Ledger(ACCOUNT_LEDGER_CAPACITY),
        lastFresh: null,
        verdict: null,
        n: 0,
        served: 0,
        firstRefused: null,
        reasons: [],
      }),
    );
  let parsed: ReturnType<typeof parseBody>;
  try {
    parsed = parseBody(format, line.body);
  } catch {
    continue;
  }
  const now = line.t;
  const { obs } = buildObservation(key, "0123456789abcdef0123456789abcdef", { now, ja4: line.ja4 ?? null, asn: line.asn ?? null, prefix: addressPrefix(line.ip ?? null), ua: line.ua ?? null }, parsed);
  st.n++;
  const refusedBefore = st.verdict && st.verdict.action !== "allow" && (st.verdict.until ?? Number.POSITIVE_INFINITY) > now;
  const seen = recordAccountPrompt(st.w, st.ledger, st.lastFresh, obs, now, cfg.PACE_GAP_S * 1000);
  if (seen.fresh) {
    st.lastFresh = now;
    const a = assessAccountWindow(st.w, now, cfg);
    st.verdict = nextVerdict(st.verdict, a, now, cfg);
    if (trace && st.actor.startsWith(trace) && (process.env.TRACE_EVERY ? st.n % Number(process.env.TRACE_EVERY) === 0 : st.n <= 14)) console.log(st.actor, st.n, JSON.stringify(a.signals), a.score);
    if (st.verdict && st.verdict.action !== "allow" && st.firstRefused === null) {
      st.firstRefused = st.n;
      st.reasons = a.reasons;
    }
  }
  let refused = st.cohortBlocked === true || refusedBefore || (st.verdict && st.verdict.action !== "allow" && (st.verdict.until ?? Number.POSITIVE_INFINITY) > now);
  const p = obs.prompt;
  if (p && seen.singleShot && frameEligible(p, cfg) && isNewAccount(st.n, cfg)) {
    const id = `${p.template[0]}:${p.template[1]}`;
    let tally = frames.get(id);
    if (!tally) frames.set(id, (tally = new FrameTally(cfg.FINGERPRINT_WINDOW_S * 1000)));
    let cohort = cohorts.get(id);
    if (!cohort) cohorts.set(id, (cohort = { keys: [], blocked: false }));
    const action = actionFor(assessFrame(tally.figures(now), cfg).score, cfg);
    if (action !== "allow") {
      refused = true;
      if (st.firstRefused === null) {
        st.firstRefused = st.n;
        st.reasons = ["frame: shared instruction frame"];
      }
    }
    st.id ??= ++accountNo;
    tally.note({ account: st.id, prompt: p.prompt[1], at: now });
    if (!cohort.keys.includes(st)) cohort.keys.push(st);
    if (!cohort.blocked && actionFor(assessFrame(tally.figures(now), cfg).score, cfg) === "block") {
      cohort.blocked = true;
      for (const k of cohort.keys) {
        if (k.firstRefused === null) {
          k.firstRefused = k.n;
          k.reasons = ["frame: cohort of a blocked frame"];
        }
        k.cohortBlocked = true;
      }
    }
  }
  if (!refused) st.served++;
}
const byActor = new Map<string, { label: string; keys: number; refusedKeys: number; n: number; served: number; reasons: Map<string, number> }>();
for (const st of keys.values()) {
  const group = st.label === "benign" ? st.actor.replace(/-\d+$/, "") : st.actor;
  let g = byActor.get(group);
  if (!g) byActor.set(group, (g = { label: st.label, keys: 0, refusedKeys: 0, n: 0, served: 0, reasons: new Map() }));
  g.keys++;
  g.n += st.n;
  g.served += st.served;
  if (st.firstRefused !== null) {
    g.refusedKeys++;
    for (const r of st.reasons) {
      const k = r.replace(/\d+(\.\d+)?/g, "N");
      g.reasons.set(k, (g.reasons.get(k) ?? 0) + 1);
    }
  }
}
for (const [actor, g] of [...byActor].sort()) {
  const top = [...g.reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, c]) => `${c}× ${r}`)
    .join(" | ");
  console.log(
    `${g.label.padEnd(10)} ${actor.padEnd(28)} keys ${String(g.keys).padStart(5)} refused ${String(g.refusedKeys).padStart(5)} requests ${String(g.n).padStart(6)} served ${((100 * g.served) / g.n).toFixed(2).padStart(6)} %  ${top}`,
  );
}
