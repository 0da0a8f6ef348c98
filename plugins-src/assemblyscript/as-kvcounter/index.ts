// as-kvcounter: the AssemblyScript twin of plugins-src/c/c-kvcounter, a
// reference plugin for the log, clock and kv capabilities of the kit
// (abi/pdk/assemblyscript/host.ts). Its environment setter counter
// increments a counter per key in kv, logs each call with the host's clocks
// and returns the new count; the environment setter counters lists the keys
// counted; the obligation reset-counter deletes the counter of access.key.
// Grant it log, clock and kv. Build from the repository root:
//
//   npx asc plugins-src/assemblyscript/as-kvcounter/index.ts --runtime incremental --use abort=abi/pdk/assemblyscript/abort/gh_abort -O3 --noAssert -o plugins/as-kvcounter.wasm
import {
  Code, Component, EnvironmentRequest, ObligeRequest, OK, Plugin, Reply, Status, quote, register,
} from "../../../abi/pdk/assemblyscript/gatehouse";
import {
  Level, clockMonotonic, clockWall, kvDelete, kvGet, kvList, kvSetText, log,
} from "../../../abi/pdk/assemblyscript/host";

export * from "../../../abi/pdk/assemblyscript/native";

const PREFIX = "count/";

// parse reads a decimal count; -1 when it is not one.
function parse(s: string): i64 {
  if (s.length == 0 || s.length > 18) return -1;
  let n: i64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

// count increments the counter stored under "count/" + key and returns its
// new value.
function count(req: EnvironmentRequest, reply: Reply): Status {
  const start = clockMonotonic();
  const key = PREFIX + req.key;
  let n: i64 = 0;
  const got = kvGet(key);
  if (got.ok) {
    n = parse(got.text());
    if (n < 0) return reply.error(Code.Internal, "kv " + key + " holds " + quote(got.text()) + ", not a count");
  } else if (!got.is("not_found")) {
    return reply.error(Code.Unavailable, got.message);
  }
  n++;
  const set = kvSetText(key, n.toString());
  if (!set.ok) return reply.error(Code.Unavailable, set.message);
  log(Level.Info, "counted key=" + req.key + " count=" + n.toString() + " at=" + clockWall().toString() +
    " took=" + (clockMonotonic() - start).toString());
  reply.value();
  reply.int(n);
  return OK;
}

// counters returns the keys counted so far, in ascending byte order.
function counters(req: EnvironmentRequest, reply: Reply): Status {
  const list = kvList(PREFIX);
  if (!list.ok) return reply.error(Code.Unavailable, list.message);
  reply.value();
  reply.beginArray();
  for (let i = 0; i < list.keys.length; i++) reply.str(list.keys[i].substring(PREFIX.length));
  reply.end();
  return OK;
}

// resetCounter deletes the counter of access.key: fulfilled once it is
// gone, whether it was there or not.
function resetCounter(req: ObligeRequest, reply: Reply): Status {
  const v = req.context.get("access.key");
  let key: string | null = null;
  if (v !== null) key = v.str();
  if (key === null) {
    reply.fulfilled(false, "access.key is not a string");
    return OK;
  }
  const del = kvDelete(PREFIX + key);
  if (!del.ok) return reply.error(Code.Unavailable, del.message);
  log(Level.Warn, "reset key=" + key);
  reply.fulfilled(true);
  return OK;
}

register(new Plugin("as-kvcounter", "1.0.0", "counts calls per key in kv", [
  Component.environment("counter", "increments and returns a persistent counter for the key asked for", ["counter"], count),
  Component.environment("counters", "the keys counted so far", ["counters"], counters),
  Component.obligation("reset-counter", "deletes the counter of access.key", resetCounter),
], ["log", "clock", "kv"]));
