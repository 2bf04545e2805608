// The Hooks API page's sample (hooks-internal-transfers.md, "Sending
// Transfer Events"), as a user would run it: axios posts each payload and
// jsonwebtoken signs { appId } with the client secret for every request, one
// request after another. For scripts/bench-batch.sh.
//
//   node hooks-recipe.js BASE_URL BOT_ID CLIENT_ID EVENTS.jsonl
//
// EVENTS.jsonl holds one payload per line ({conversationId, botId, events}).
// Prints one JSON line: {"events": n, "seconds": s, "per_second": r}.
// The secret comes from $SWITCHBOARD_BENCH_SECRET, never the command line.
const axios = require("axios");
const jwt = require("jsonwebtoken");
const fs = require("fs");

const [baseUrl, botId, clientId, file] = process.argv.slice(2);
const clientSecret = process.env.SWITCHBOARD_BENCH_SECRET;
if (!baseUrl || !botId || !clientId || !file || !clientSecret) {
  console.error("usage: SWITCHBOARD_BENCH_SECRET=… node hooks-recipe.js BASE_URL BOT_ID CLIENT_ID EVENTS.jsonl");
  process.exit(2);
}

async function sendInternalTransferEvent(payload) {
  await axios.post(`${baseUrl}/agentassist/api/v1/hooks/${botId}`, payload, {
    headers: {
      token: jwt.sign({ appId: clientId }, clientSecret),
    },
  });
}

async function main() {
  const payloads = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
  const start = process.hrtime.bigint();
  for (const payload of payloads) {
    await sendInternalTransferEvent(payload);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ events: payloads.length, seconds, per_second: payloads.length / seconds }));
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
