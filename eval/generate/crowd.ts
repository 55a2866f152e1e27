/**
 * The provider-scale benign crowd: `sdkuser` actors, independent people calling the API from their
 * own scripts and small tools. Each is on one of the common SDK stacks (so thousands share a few
 * User-Agent + JA4 pairs and the SDK's default parameters), at home or on a mobile network, and asks
 * mostly one-off questions at human pace: minutes to hours apart, at local daytime, 1 to 60 requests
 * over the period, now and then a short conversation of two or three turns.
 *
 * This is what a fingerprint-wide or parameter-based rule sees when it looks at a real crowd.
 */
import type { Turn } from "./bodies";
import { PersonNetwork, pickRegion } from "./benign";
import { HOUR, MINUTE, PEOPLE_HOURS, SECOND, localMoment, pause } from "./context";
import type { Scenario } from "./context";
import { apiKey } from "./network";
import { assistantReply, personPrompt } from "./people-prompts";
import { FOLLOW_UPS } from "./phrases";
import { sdkSetup, sdkStyle } from "./sdk-clients";

/** Share of an sdkuser's questions that become a short conversation. */
const CONVERSATION_SHARE = 0.18;

export function generateSdkUser(s: Scenario, actor: string): void {
  const rng = s.rng.fork(actor);
  const region = pickRegion(rng);
  const setup = sdkSetup(rng);
  const style = sdkStyle(rng, setup, rng.chance(0.08) ? "You are a helpful assistant." : undefined);
  const network = new PersonNetwork(s, rng, rng.chance(0.7) ? "home" : "mobile", region);
  const key = apiKey(rng, setup.family);
  const client = (): { ip: string; asn: number; ua: string; ja4: string } => ({ ...network.address, ua: setup.ua, ja4: setup.ja4 });

  // Most try a few things; a long tail keeps coming back.
  const total = Math.max(1, Math.min(60, Math.round(rng.logNormal(5, 1) * Math.min(1, s.days / 7) + 0.5)));
  // Sittings of one to three questions, spread over the days the user is around.
  const sittings: number[] = [];
  for (let n = 0; n < total; n += 1 + rng.geometric(0.6)) sittings.push(localMoment(s, rng, rng.int(0, s.days - 1), region, PEOPLE_HOURS));
  sittings.sort((a, b) => a - b);
  const perSitting = Math.ceil(total / sittings.length);

  let sent = 0;
  let cursor = 0;
  for (const planned of sittings) {
    let t = Math.max(planned, cursor + 20 * MINUTE);
    network.visit();
    for (let q = 0; q < perSitting && sent < total; q++) {
      const first: Turn = { role: "user", text: personPrompt(rng) };
      const turns = rng.chance(CONVERSATION_SHARE) ? rng.int(2, 3) : 1;
      const history: Turn[] = [first];
      for (let k = 0; k < turns && sent < total; k++) {
        if (k > 0) history.push({ role: "assistant", text: assistantReply(rng) }, { role: "user", text: rng.pick(FOLLOW_UPS) });
        const at = s.send(actor, "benign", key, t, client(), style, history);
        sent++;
        // Now and then the same request again a moment later (a timeout, a double run of the script).
        if (at !== undefined && rng.chance(0.02)) s.send(actor, "benign", key, at + rng.int(1500, 8000), client(), style, history);
        t += pause(rng, 75 * SECOND, 0.8, 10 * SECOND, 20 * MINUTE);
      }
      // Between questions: reading the answer, doing something else.
      t += pause(rng, 8 * MINUTE, 1.1, 1 * MINUTE, 3 * HOUR);
    }
    cursor = t;
  }
}
