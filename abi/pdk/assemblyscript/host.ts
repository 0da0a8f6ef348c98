// The host functions of the capabilities log, clock, kv, sink and plan
// (abi/README.md section 8), native binding only. A function is imported
// only when the plugin calls it, and the plugin's table must list the
// capabilities it imports (Plugin's capabilities: "log", "clock", "kv",
// "sink", "plan"); the host refuses a plugin that imports a capability its
// configuration does not grant.
//
// The kv, sink and plan functions run the result protocol and return a HostResult: the
// result's bytes, or the host's error code and message. Pass an error on in
// a reply with a plugin code: reply.error(Code.Unavailable, r.message).
import { Val, Writer } from "./msgpack";

// @ts-ignore: decorator
@external("gatehouse", "log")
declare function gh_log(level: i32, ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("gatehouse", "clock_wall")
declare function gh_clock_wall(): i64;
// @ts-ignore: decorator
@external("gatehouse", "clock_monotonic")
declare function gh_clock_monotonic(): i64;
// @ts-ignore: decorator
@external("gatehouse", "kv_get")
declare function gh_kv_get(key: usize, keyLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "kv_set")
declare function gh_kv_set(key: usize, keyLen: i32, val: usize, valLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "kv_delete")
declare function gh_kv_delete(key: usize, keyLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "kv_list")
declare function gh_kv_list(prefix: usize, prefixLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "sink_write")
declare function gh_sink_write(sink: usize, sinkLen: i32, level: i32, msg: usize, msgLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "plan")
declare function gh_plan(req: usize, reqLen: i32): i32;
// @ts-ignore: decorator
@external("gatehouse", "result")
declare function gh_result(out: usize, cap: i32): i32;

// Log levels of log.
export enum Level {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
}

// log writes msg to the host log, tagged with the plugin (capability log).
// In the instance that answers gatehouse_describe the host discards it.
export function log(level: Level, msg: string): void {
  const b = String.UTF8.encode(msg);
  gh_log(level, changetype<usize>(b), b.byteLength);
}

// clockWall returns the host's wall clock, nanoseconds since the Unix epoch
// (capability clock).
export function clockWall(): i64 { return gh_clock_wall(); }

// clockMonotonic returns nanoseconds from an arbitrary origin that never go
// back (capability clock).
export function clockMonotonic(): i64 { return gh_clock_monotonic(); }

// HostResult is the outcome of a data function: its result, or the error
// the host answered.
export class HostResult {
  // bytes is the result; empty after an error.
  bytes: Uint8Array = new Uint8Array(0);
  // keys is the result of kvList: the keys, in ascending byte order.
  keys: string[] = [];
  // steps is the result of plan: the plan's actions, none when there is
  // no plan.
  steps: PlanStep[] = [];
  // code is the host's error code ("not_found", "capability_denied",
  // ...), "" on success; message is its message.
  code: string = "";
  message: string = "";

  get ok(): bool { return this.code.length == 0; }

  // is reports whether the host answered the error code.
  is(code: string): bool { return this.code == code; }

  // text returns the result's bytes as UTF-8 text.
  text(): string { return String.UTF8.decode(this.bytes.buffer); }
}

function failed(code: string, message: string): HostResult {
  const r = new HostResult();
  r.code = code;
  r.message = message;
  return r;
}

// fetch fetches what a data function left pending after answering n.
function fetch(n: i32): HostResult {
  const size = n < 0 ? -n : n;
  const buf = new Uint8Array(size);
  if (size > 0 && gh_result(buf.dataStart, size) != size) return failed("internal", "result: the pending bytes changed");
  if (n >= 0) {
    const r = new HostResult();
    r.bytes = buf;
    return r;
  }
  const err = new Val(buf.dataStart, <usize>size);
  const code = strOf(err.get("code"));
  return failed(code.length > 0 ? code : "internal", strOf(err.get("message")));
}

// strOf returns the text of a str value, "" for anything else.
function strOf(v: Val | null): string {
  if (v === null) return "";
  const s = v.str();
  return s === null ? "" : s;
}

// kvGet returns the value of key (capability kv); a missing key fails with
// not_found.
export function kvGet(key: string): HostResult {
  const k = String.UTF8.encode(key);
  return fetch(gh_kv_get(changetype<usize>(k), k.byteLength));
}

// kvSet stores value under key (capability kv).
export function kvSet(key: string, value: Uint8Array): HostResult {
  const k = String.UTF8.encode(key);
  return fetch(gh_kv_set(changetype<usize>(k), k.byteLength, value.dataStart, value.length));
}

// kvSetText stores text, as UTF-8, under key (capability kv).
export function kvSetText(key: string, text: string): HostResult {
  return kvSet(key, Uint8Array.wrap(String.UTF8.encode(text)));
}

// kvDelete removes key; a missing key succeeds (capability kv).
export function kvDelete(key: string): HostResult {
  const k = String.UTF8.encode(key);
  return fetch(gh_kv_delete(changetype<usize>(k), k.byteLength));
}

// kvList lists every key that starts with prefix, in ascending byte order,
// into the result's keys (capability kv).
export function kvList(prefix: string): HostResult {
  const p = String.UTF8.encode(prefix);
  const r = fetch(gh_kv_list(changetype<usize>(p), p.byteLength));
  if (!r.ok) return r;
  let items: Val[] | null = null;
  if (r.bytes.length > 0) items = new Val(r.bytes.dataStart, <usize>r.bytes.length).items();
  if (items === null) return failed("internal", "kv_list: the result is not a list of keys");
  for (let i = 0; i < items.length; i++) {
    const rd = items[i].reader();
    const s = rd.readStr();
    if (s === null) return failed("internal", "kv_list: a key is neither str nor bin");
    r.keys.push(s);
  }
  return r;
}

// sinkWrite writes msg as one record, at level, to the destination the
// grant names sink (capability sink), and returns once it has taken it. A
// sink the grant does not name fails with capability_denied, a destination
// that does not take the record with timeout or unavailable.
export function sinkWrite(sink: string, level: Level, msg: string): HostResult {
  const s = String.UTF8.encode(sink);
  const m = String.UTF8.encode(msg);
  return fetch(gh_sink_write(changetype<usize>(s), s.byteLength, level, changetype<usize>(m), m.byteLength));
}

// PlanStep is an action of a plan: a move to a location, a take or a read
// of a possessible, as an observation's choices offer it.
export class PlanStep {
  constructor(public kind: string = "", public target: string = "") {}
}

const planRequest = new Writer();

// plan asks the host for the plan of the actor of the agent act in
// progress (capability plan, ABI 1.3: every plugin may, but list it), from
// the state the act observes, counting the possessibles gone as missing,
// to goals (none: the actor's open goals and its location goals) by
// criterion ("": expected); the plan's actions are the result's steps.
// Outside an act it fails with unsupported.
export function plan(gone: string[], goals: string[] = [], criterion: string = ""): HostResult {
  const w = planRequest;
  w.reset();
  w.beginMap();
  w.str("gone"); w.beginArray();
  for (let i = 0; i < gone.length; i++) w.str(gone[i]);
  w.end();
  w.str("goals"); w.beginArray();
  for (let i = 0; i < goals.length; i++) w.str(goals[i]);
  w.end();
  w.str("criterion"); w.str(criterion);
  w.end();
  if (w.oom) return failed("internal", "plan: out of memory");
  const r = fetch(gh_plan(w.buf, <i32>w.len));
  if (!r.ok || r.bytes.length == 0) return r;
  const steps = new Val(r.bytes.dataStart, <usize>r.bytes.length).get("steps");
  if (steps === null) return r;
  const items = steps.items();
  if (items === null) return r;
  for (let i = 0; i < items.length; i++) {
    const step = unchecked(items[i]);
    r.steps.push(new PlanStep(strOf(step.get("kind")), strOf(step.get("target"))));
  }
  return r;
}
