// The Gatehouse plugin development kit for AssemblyScript, ABI v1
// (abi/README.md). A plugin registers one Plugin table with register(); the
// kit builds the manifest from it, decodes every request into a typed class,
// calls the component's handler and wraps what the handler writes into the
// reply envelope. The exports of the native binding are in native.ts, those
// of the Extism binding in extism.ts: re-export one of them from the entry
// file.
import { Reader, Val, Writer, bytesEq } from "./msgpack";

export { Reader, Val, Writer, bytesEq } from "./msgpack";
export { gh_abort } from "./abort";

export const ABI_VERSION = "1.3";

// ---- errors ----

export type Status = i32;
export const OK: Status = 0;
export const FAILED: Status = -1;

// The plugin error codes (abi/README.md section 7).
export enum Code {
  InvalidRequest = 1,
  NotFound,
  Unsupported,
  Denied,
  Unavailable,
  Internal,
}

export function codeName(c: Code): string {
  switch (c) {
    case Code.InvalidRequest: return "invalid_request";
    case Code.NotFound: return "not_found";
    case Code.Unsupported: return "unsupported";
    case Code.Denied: return "denied";
    case Code.Unavailable: return "unavailable";
  }
  return "internal";
}

// quote quotes s as Go's %q does for printable text: "a \"b\"".
export function quote(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x0d) out += "\\r";
    else if (c < 0x20 || c == 0x7f) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

// ---- the reply ----

// Reply is the writer a handler answers with. The handler is called with the
// reply's `ok` map open and writes that map's entries.
export class Reply extends Writer {
  failed: bool = false;

  // error replaces whatever the reply holds with {"error": {code, message}}
  // and returns FAILED; later writes are ignored by the kit.
  error(code: Code, message: string): Status {
    this.reset();
    this.beginMap();
    this.key("error");
    this.beginMap();
    this.key("code");
    this.str(codeName(code));
    this.key("message");
    this.str(message);
    this.end();
    this.end();
    this.failed = true;
    return FAILED;
  }

  // environment: writes the key "value"; write exactly one value next.
  // Write nothing for an unknown value.
  value(): void { this.key("value"); }

  // obligation: fulfilled and, when not empty, reason.
  fulfilled(fulfilled: bool, reason: string = ""): void {
    this.key("fulfilled");
    this.bool(fulfilled);
    if (reason.length > 0) {
      this.key("reason");
      this.str(reason);
    }
  }

  // actuator: status and, when not empty, status_text.
  status(status: i32, text: string = ""): void {
    this.key("status");
    this.int(status);
    if (text.length > 0) {
      this.key("status_text");
      this.str(text);
    }
  }

  // actuator: opens "results"; write its entries, then end().
  results(): void { this.key("results"); this.beginMap(); }

  // object: opens "attributes"; write its entries, then end().
  attributes(): void { this.key("attributes"); this.beginMap(); }

  // agent act: the chosen action, one of the observation's choices.
  action(a: Action): void {
    this.key("action");
    this.beginMap();
    this.key("kind");
    this.str(a.kind);
    if (a.target.length > 0) { this.key("target"); this.str(a.target); }
    if (a.risk != 0) { this.key("risk"); this.float(a.risk); }
    if (a.time != 0) { this.key("time"); this.int(a.time); }
    this.end();
  }
}

// ---- requests ----

// Context: the four attribute categories, each a map (or null when absent
// or nil).
export class Context {
  subject: Val | null = null;
  object: Val | null = null;
  environment: Val | null = null;
  access: Val | null = null;

  // get looks up a dotted path whose first segment is the category:
  // "subject.id", "object.owner.id". null when absent; a key present with
  // nil is found (isNil).
  get(path: string): Val | null {
    const dot = path.indexOf(".");
    const cat = dot < 0 ? path : path.substring(0, dot);
    let m: Val | null = null;
    if (cat == "subject") m = this.subject;
    else if (cat == "object") m = this.object;
    else if (cat == "environment") m = this.environment;
    else if (cat == "access") m = this.access;
    if (m === null || dot < 0) return m;
    return m.path(path.substring(dot + 1));
  }
}

export class Action {
  constructor(public kind: string = "", public target: string = "", public risk: f64 = 0, public time: i64 = 0) {}
}

export class Edge {
  constructor(public from: string = "", public to: string = "") {}
}

export class Option {
  constructor(public name: string = "", public value: string = "") {}
}

export class Headers {
  requestId: string = "";
  created: i64 = 0;
  from: string = "";
  to: string[] = [];
}

export class Command {
  action: string = "";
  target: Val | null = null;
  targetType: string = ""; // the target's key, when it has exactly one
  targetValue: Val | null = null; // its value, when it has exactly one
  targetKeys: i32 = 0;
  args: Val | null = null;
  actuator: Val | null = null;
  commandId: string = "";
}

export class Request {
  component: string = "";
  self: Component | null = null;
}

export class ActuateRequest extends Request {
  command: Command = new Command();
  headers: Headers = new Headers();
  profile: string = "";
  specifiers: Val | null = null;
}

export class ObligeRequest extends Request {
  decision: string = ""; // "GRANT", "DENY", "NOT_APPLICABLE"
  context: Context = new Context();
  config: Val | null = null;
}

export class EnvironmentRequest extends Request {
  key: string = "";
  context: Context = new Context();
}

export class ObjectRequest extends Request {
  object: Val | null = null;
  path: string = "";
  config: Val | null = null;
}

export class AgentResetRequest extends Request {
  actor: string = "";
  seed: i64 = 0;
  goals: string[] = [];
  options: Option[] = [];
  edges: Edge[] = [];

  // option returns the value of an option, or null when it is not sent.
  option(name: string): string | null {
    for (let i = 0; i < this.options.length; i++) {
      if (this.options[i].name == name) return this.options[i].value;
    }
    return null;
  }
}

export class Observation {
  tick: i64 = 0;
  location: string = "";
  holdings: string[] = [];
  goals: string[] = [];
  choices: Action[] = [];
}

export class AgentActRequest extends Request {
  actor: string = "";
  observation: Observation = new Observation();
}

// ---- components and the plugin ----

export enum Kind {
  Actuator = 1,
  Obligation,
  Environment,
  Object,
  Agent,
}

export function kindName(k: Kind): string {
  switch (k) {
    case Kind.Actuator: return "actuator";
    case Kind.Obligation: return "obligation";
    case Kind.Environment: return "environment";
    case Kind.Object: return "object";
  }
  return "agent";
}

export type ActuateFn = (req: ActuateRequest, reply: Reply) => Status;
export type ObligeFn = (req: ObligeRequest, reply: Reply) => Status;
export type EnvironmentFn = (req: EnvironmentRequest, reply: Reply) => Status;
export type ObjectFn = (req: ObjectRequest, reply: Reply) => Status;
export type AgentResetFn = (req: AgentResetRequest, reply: Reply) => Status;
export type AgentActFn = (req: AgentActRequest, reply: Reply) => Status;

function noActuate(req: ActuateRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }
function noOblige(req: ObligeRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }
function noEnvironment(req: EnvironmentRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }
function noObject(req: ObjectRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }
function noAgentReset(req: AgentResetRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }
function noAgentAct(req: AgentActRequest, reply: Reply): Status { return reply.error(Code.Internal, "no handler"); }

// A pair: an OpenC2 action and the target types an actuator accepts for it.
export class Pair {
  constructor(public action: string, public targets: string[]) {}
}

// A setting an agent accepts at reset.
export class OptionDecl {
  constructor(public name: string, public description: string = "", public defaultValue: string = "") {}
}

// Component is one row of the plugin table. Build it with the static
// constructors, one per kind.
export class Component {
  kind: Kind = Kind.Environment;
  name: string = "";
  description: string = "";
  profiles: string[] = [];
  pairs: Pair[] = [];
  attributes: string[] = [];
  priority: i64 = 0;
  options: OptionDecl[] = [];

  actuate: ActuateFn = noActuate;
  oblige: ObligeFn = noOblige;
  environment: EnvironmentFn = noEnvironment;
  object: ObjectFn = noObject;
  agentReset: AgentResetFn = noAgentReset;
  agentAct: AgentActFn = noAgentAct;

  static actuator(name: string, description: string, profiles: string[], pairs: Pair[], fn: ActuateFn): Component {
    const c = new Component();
    c.kind = Kind.Actuator; c.name = name; c.description = description;
    c.profiles = profiles; c.pairs = pairs; c.actuate = fn;
    return c;
  }

  static obligation(name: string, description: string, fn: ObligeFn): Component {
    const c = new Component();
    c.kind = Kind.Obligation; c.name = name; c.description = description; c.oblige = fn;
    return c;
  }

  static environment(name: string, description: string, attributes: string[], fn: EnvironmentFn): Component {
    const c = new Component();
    c.kind = Kind.Environment; c.name = name; c.description = description;
    c.attributes = attributes; c.environment = fn;
    return c;
  }

  static object(name: string, description: string, priority: i64, fn: ObjectFn): Component {
    const c = new Component();
    c.kind = Kind.Object; c.name = name; c.description = description;
    c.priority = priority; c.object = fn;
    return c;
  }

  static agent(name: string, description: string, options: OptionDecl[], reset: AgentResetFn, act: AgentActFn): Component {
    const c = new Component();
    c.kind = Kind.Agent; c.name = name; c.description = description;
    c.options = options; c.agentReset = reset; c.agentAct = act;
    return c;
  }
}

// Plugin is the table the manifest is built from.
export class Plugin {
  constructor(
    public name: string,
    public version: string,
    public description: string = "",
    public components: Component[] = [],
    public capabilities: string[] = [],
  ) {}
}

let PLUGIN: Plugin | null = null;

// register sets the plugin table; call it once, at the top level of the
// entry file.
export function register(p: Plugin): void {
  PLUGIN = p;
}

// ---- decoding ----

// Dec decodes typed fields, recording the first problem as
// "<field>: <problem>".
class Dec {
  err: string = "";
  constructor(public r: Reader) {}

  get ok(): bool { return this.err.length == 0; }

  fail(field: string, problem: string): void {
    if (this.err.length == 0) this.err = field + ": " + problem;
  }

  // begin reads a map header; -1 (and a failure) when the value is not a
  // map, 0 for nil.
  mapLen(field: string): i64 {
    if (this.r.readNil()) return 0;
    const n = this.r.readMapLen();
    if (n < 0) this.fail(field, "not a map");
    else if (n > <i64>this.r.remaining) { this.fail(field, "truncated"); return -1; }
    return n;
  }

  // key reads a map key into r.sptr/r.slen.
  key(field: string): bool {
    if (this.r.readStrSpan()) return true;
    this.fail(field, "key: not a string");
    return false;
  }

  str(field: string): string {
    if (this.r.readNil()) return "";
    const s = this.r.readStr();
    if (s === null) { this.fail(field, this.r.done ? "truncated" : "not a string"); return ""; }
    return s;
  }

  int(field: string): i64 {
    if (this.r.readNil()) return 0;
    if (this.r.readInt()) return this.r.ival;
    this.fail(field, this.r.outOfRange ? "out of range" : "not an integer");
    return 0;
  }

  float(field: string): f64 {
    if (this.r.readNil()) return 0;
    if (this.r.readFloat()) return this.r.fval;
    this.fail(field, "not a number");
    return 0;
  }

  // map reads a map of any as a Val; null for nil.
  map(field: string): Val | null {
    if (this.r.readNil()) return null;
    const b = this.r.peek();
    if (!((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf)) { this.fail(field, "not a map"); return null; }
    const v = this.r.readVal();
    if (v === null) this.fail(field, "truncated or invalid");
    return v;
  }

  skip(field: string): void {
    if (!this.r.skip()) this.fail(field, "truncated or invalid");
  }

  arrayLen(field: string): i64 {
    if (this.r.readNil()) return 0;
    const n = this.r.readArrayLen();
    if (n < 0) { this.fail(field, "not an array"); return -1; }
    if (n > <i64>this.r.remaining) { this.fail(field, "truncated"); return -1; }
    return n;
  }

  strList(field: string): string[] {
    const out: string[] = [];
    const n = this.arrayLen(field);
    for (let i: i64 = 0; i < n && this.ok; i++) out.push(this.str(field));
    return out;
  }

  context(field: string, c: Context): void {
    const n = this.mapLen(field);
    for (let i: i64 = 0; i < n && this.ok; i++) {
      if (!this.key(field)) return;
      const kp = this.r.sptr, kl = this.r.slen;
      if (bytesEq(kp, kl, "subject")) c.subject = this.map(field + ".subject");
      else if (bytesEq(kp, kl, "object")) c.object = this.map(field + ".object");
      else if (bytesEq(kp, kl, "environment")) c.environment = this.map(field + ".environment");
      else if (bytesEq(kp, kl, "access")) c.access = this.map(field + ".access");
      else this.skip(field);
    }
  }

  action(field: string): Action {
    const a = new Action();
    const n = this.mapLen(field);
    for (let i: i64 = 0; i < n && this.ok; i++) {
      if (!this.key(field)) break;
      const kp = this.r.sptr, kl = this.r.slen;
      if (bytesEq(kp, kl, "kind")) a.kind = this.str(field + ".kind");
      else if (bytesEq(kp, kl, "target")) a.target = this.str(field + ".target");
      else if (bytesEq(kp, kl, "risk")) a.risk = this.float(field + ".risk");
      else if (bytesEq(kp, kl, "time")) a.time = this.int(field + ".time");
      else this.skip(field);
    }
    return a;
  }
}

// newRequest returns the empty request of a call export.
function newRequest(exp: i32): Request {
  switch (exp) {
    case EXPORT_ACTUATE: return new ActuateRequest();
    case EXPORT_OBLIGE: return new ObligeRequest();
    case EXPORT_ENVIRONMENT: return new EnvironmentRequest();
    case EXPORT_OBJECT: return new ObjectRequest();
    case EXPORT_AGENT_RESET: return new AgentResetRequest();
  }
  return new AgentActRequest();
}

function decodeFields(exp: i32, req: Request, d: Dec): void {
  const r = d.r;
  const n = r.readMapLen();
  if (n < 0) { d.err = "not a map"; return; }
  for (let i: i64 = 0; i < n && d.ok; i++) {
    if (!r.readStrSpan()) { d.err = "key: not a string"; return; }
    const kp = r.sptr, kl = r.slen;
    if (bytesEq(kp, kl, "component")) { req.component = d.str("component"); continue; }
    switch (exp) {
      case EXPORT_ACTUATE: {
        const q = changetype<ActuateRequest>(req);
        if (bytesEq(kp, kl, "command")) decodeCommand(d, q.command);
        else if (bytesEq(kp, kl, "headers")) decodeHeaders(d, q.headers);
        else if (bytesEq(kp, kl, "profile")) q.profile = d.str("profile");
        else if (bytesEq(kp, kl, "specifiers")) q.specifiers = d.map("specifiers");
        else d.skip("request");
        break;
      }
      case EXPORT_OBLIGE: {
        const q = changetype<ObligeRequest>(req);
        if (bytesEq(kp, kl, "decision")) q.decision = d.str("decision");
        else if (bytesEq(kp, kl, "context")) d.context("context", q.context);
        else if (bytesEq(kp, kl, "config")) q.config = d.map("config");
        else d.skip("request");
        break;
      }
      case EXPORT_ENVIRONMENT: {
        const q = changetype<EnvironmentRequest>(req);
        if (bytesEq(kp, kl, "key")) q.key = d.str("key");
        else if (bytesEq(kp, kl, "context")) d.context("context", q.context);
        else d.skip("request");
        break;
      }
      case EXPORT_OBJECT: {
        const q = changetype<ObjectRequest>(req);
        if (bytesEq(kp, kl, "object")) q.object = d.map("object");
        else if (bytesEq(kp, kl, "path")) q.path = d.str("path");
        else if (bytesEq(kp, kl, "config")) q.config = d.map("config");
        else d.skip("request");
        break;
      }
      case EXPORT_AGENT_RESET: {
        const q = changetype<AgentResetRequest>(req);
        if (bytesEq(kp, kl, "actor")) q.actor = d.str("actor");
        else if (bytesEq(kp, kl, "seed")) q.seed = d.int("seed");
        else if (bytesEq(kp, kl, "goals")) q.goals = d.strList("goals");
        else if (bytesEq(kp, kl, "options")) {
          const m = d.mapLen("options");
          for (let j: i64 = 0; j < m && d.ok; j++) {
            const name = d.str("options");
            const value = d.str("options");
            q.options.push(new Option(name, value));
          }
        } else if (bytesEq(kp, kl, "edges")) {
          const m = d.arrayLen("edges");
          for (let j: i64 = 0; j < m && d.ok; j++) {
            const e = new Edge();
            const f = d.mapLen("edges");
            for (let x: i64 = 0; x < f && d.ok; x++) {
              if (!d.key("edges")) break;
              const ep = r.sptr, el = r.slen;
              if (bytesEq(ep, el, "from")) e.from = d.str("edges.from");
              else if (bytesEq(ep, el, "to")) e.to = d.str("edges.to");
              else d.skip("edges");
            }
            q.edges.push(e);
          }
        } else d.skip("request");
        break;
      }
      case EXPORT_AGENT_ACT: {
        const q = changetype<AgentActRequest>(req);
        if (bytesEq(kp, kl, "actor")) q.actor = d.str("actor");
        else if (bytesEq(kp, kl, "observation")) decodeObservation(d, q.observation);
        else d.skip("request");
        break;
      }
      default:
        d.skip("request");
    }
  }
  if (d.ok && !r.done) d.err = "trailing bytes after the request";
}

function decodeObservation(d: Dec, o: Observation): void {
  const r = d.r;
  const n = d.mapLen("observation");
  for (let i: i64 = 0; i < n && d.ok; i++) {
    if (!d.key("observation")) return;
    const kp = r.sptr, kl = r.slen;
    if (bytesEq(kp, kl, "tick")) o.tick = d.int("observation.tick");
    else if (bytesEq(kp, kl, "location")) o.location = d.str("observation.location");
    else if (bytesEq(kp, kl, "holdings")) o.holdings = d.strList("observation.holdings");
    else if (bytesEq(kp, kl, "goals")) o.goals = d.strList("observation.goals");
    else if (bytesEq(kp, kl, "choices")) {
      const m = d.arrayLen("observation.choices");
      for (let j: i64 = 0; j < m && d.ok; j++) o.choices.push(d.action("observation.choices"));
    } else d.skip("observation");
  }
}

function decodeCommand(d: Dec, c: Command): void {
  const r = d.r;
  const n = d.mapLen("command");
  for (let i: i64 = 0; i < n && d.ok; i++) {
    if (!d.key("command")) return;
    const kp = r.sptr, kl = r.slen;
    if (bytesEq(kp, kl, "action")) c.action = d.str("command.action");
    else if (bytesEq(kp, kl, "target")) {
      const t = d.map("command.target");
      c.target = t;
      if (t !== null) {
        const tr = t.reader();
        const m = tr.readMapLen();
        c.targetKeys = <i32>m;
        for (let j: i64 = 0; j < m; j++) {
          if (!tr.readStrSpan()) { d.fail("command.target", "key: not a string"); return; }
          const kp = tr.sptr, kl = tr.slen;
          const v = tr.readVal();
          if (m == 1) {
            c.targetType = String.UTF8.decodeUnsafe(kp, kl);
            c.targetValue = v;
          }
        }
      }
    } else if (bytesEq(kp, kl, "args")) c.args = d.map("command.args");
    else if (bytesEq(kp, kl, "actuator")) c.actuator = d.map("command.actuator");
    else if (bytesEq(kp, kl, "command_id")) c.commandId = d.str("command.command_id");
    else d.skip("command");
  }
}

function decodeHeaders(d: Dec, h: Headers): void {
  const r = d.r;
  const n = d.mapLen("headers");
  for (let i: i64 = 0; i < n && d.ok; i++) {
    if (!d.key("headers")) return;
    const kp = r.sptr, kl = r.slen;
    if (bytesEq(kp, kl, "request_id")) h.requestId = d.str("headers.request_id");
    else if (bytesEq(kp, kl, "created")) h.created = d.int("headers.created");
    else if (bytesEq(kp, kl, "from")) h.from = d.str("headers.from");
    else if (bytesEq(kp, kl, "to")) h.to = d.strList("headers.to");
    else d.skip("headers");
  }
}

// ---- dispatch ----

export const EXPORT_DESCRIBE = 0;
export const EXPORT_ACTUATE = 1;
export const EXPORT_OBLIGE = 2;
export const EXPORT_ENVIRONMENT = 3;
export const EXPORT_OBJECT = 4;
export const EXPORT_AGENT_RESET = 5;
export const EXPORT_AGENT_ACT = 6;

function kindOf(exp: i32): Kind {
  switch (exp) {
    case EXPORT_ACTUATE: return Kind.Actuator;
    case EXPORT_OBLIGE: return Kind.Obligation;
    case EXPORT_ENVIRONMENT: return Kind.Environment;
    case EXPORT_OBJECT: return Kind.Object;
  }
  return Kind.Agent;
}

// The reply buffer, reused from call to call: it stays valid until the next
// call export starts, as the native binding requires.
export const REPLY = new Reply();

function writeStrs(w: Writer, key: string, list: string[]): void {
  w.key(key);
  w.beginArray();
  for (let i = 0; i < list.length; i++) w.str(list[i]);
  w.end();
}

function describe(): void {
  const w = REPLY;
  const p = PLUGIN;
  if (p === null || p.name.length == 0 || p.version.length == 0 || p.components.length == 0) {
    w.error(Code.Internal, "no plugin table: call register with a name, a version and components");
    return;
  }
  w.beginMap();
  w.key("ok");
  w.beginMap();
  w.key("abi"); w.str(ABI_VERSION);
  w.key("name"); w.str(p.name);
  w.key("version"); w.str(p.version);
  if (p.description.length > 0) { w.key("description"); w.str(p.description); }
  if (p.capabilities.length > 0) writeStrs(w, "capabilities", p.capabilities);
  w.key("components");
  w.beginArray();
  for (let i = 0; i < p.components.length; i++) {
    const c = p.components[i];
    w.beginMap();
    w.key("kind"); w.str(kindName(c.kind));
    w.key("name"); w.str(c.name);
    if (c.description.length > 0) { w.key("description"); w.str(c.description); }
    switch (c.kind) {
      case Kind.Actuator: {
        if (c.profiles.length > 0) writeStrs(w, "profiles", c.profiles);
        w.key("pairs");
        w.beginMap();
        for (let j = 0; j < c.pairs.length; j++) writeStrs(w, c.pairs[j].action, c.pairs[j].targets);
        w.end();
        break;
      }
      case Kind.Environment: writeStrs(w, "attributes", c.attributes); break;
      case Kind.Object: if (c.priority != 0) { w.key("priority"); w.int(c.priority); } break;
      case Kind.Agent: {
        if (c.options.length > 0) {
          w.key("options");
          w.beginArray();
          for (let j = 0; j < c.options.length; j++) {
            const o = c.options[j];
            w.beginMap();
            w.key("name"); w.str(o.name);
            if (o.description.length > 0) { w.key("description"); w.str(o.description); }
            if (o.defaultValue.length > 0) { w.key("default"); w.str(o.defaultValue); }
            w.end();
          }
          w.end();
        }
        break;
      }
    }
    w.end();
  }
  w.end();
  w.end();
  w.end();
}

function exportKindName(exp: i32): string {
  if (exp == EXPORT_AGENT_RESET) return "agent_reset";
  if (exp == EXPORT_AGENT_ACT) return "agent_act";
  return kindName(kindOf(exp));
}

// handle answers one call: the request is the len bytes at ptr, the reply
// envelope is left in REPLY. Every malformed request is answered
// invalid_request, an unknown component not_found.
export function handle(exp: i32, ptr: usize, len: usize): Reply {
  const w = REPLY;
  w.reset();
  w.failed = false;
  if (exp == EXPORT_DESCRIBE) {
    // the request ({"host_abi": "1.0"}) only needs to be a map
    const r = new Reader(ptr, len);
    const n = r.readMapLen();
    if (n < 0) { w.error(Code.InvalidRequest, "decode describe request: not a map"); return w; }
    describe();
    return w;
  }
  const k = kindOf(exp);
  const d = new Dec(new Reader(ptr, len));
  const real = newRequest(exp);
  decodeFields(exp, real, d);
  if (!d.ok) {
    w.error(Code.InvalidRequest, "decode " + exportKindName(exp) + " request: " + d.err);
    return w;
  }
  const p = PLUGIN;
  let c: Component | null = null;
  if (p !== null) {
    for (let i = 0; i < p.components.length; i++) {
      const x = p.components[i];
      if (x.kind == k && x.name == real.component) { c = x; break; }
    }
  }
  if (c === null) {
    w.error(Code.NotFound, "no " + kindName(k) + " " + quote(real.component));
    return w;
  }
  real.self = c;
  w.beginMap();
  w.key("ok");
  w.beginMap();
  let st: Status = OK;
  switch (exp) {
    case EXPORT_ACTUATE: st = c.actuate(changetype<ActuateRequest>(real), w); break;
    case EXPORT_OBLIGE: st = c.oblige(changetype<ObligeRequest>(real), w); break;
    case EXPORT_ENVIRONMENT: st = c.environment(changetype<EnvironmentRequest>(real), w); break;
    case EXPORT_OBJECT: st = c.object(changetype<ObjectRequest>(real), w); break;
    case EXPORT_AGENT_RESET: st = c.agentReset(changetype<AgentResetRequest>(real), w); break;
    default: st = c.agentAct(changetype<AgentActRequest>(real), w);
  }
  if (w.failed) return w;
  if (st != OK) {
    w.error(Code.Internal, kindName(k) + " " + quote(c.name) + " failed without an error");
    return w;
  }
  w.end();
  w.end();
  if (!w.complete) {
    w.error(Code.Internal, kindName(k) + " " + quote(c.name) + " left a map or array open, or a key without its value");
  }
  return w;
}
