// The actuator echo: the echo actuator of the Go basics
// (plugins-src/go/internal/basics/actuator.go), answer for answer.
import { ActuateRequest, Component, OK, Pair, Reply, Status, Val } from "../../../abi/pdk/assemblyscript/gatehouse";

// supports reports whether the component declares the pair action/target.
function supports(c: Component, action: string, target: string): bool {
  for (let i = 0; i < c.pairs.length; i++) {
    if (c.pairs[i].action == action && c.pairs[i].targets.includes(target)) return true;
  }
  return false;
}

function writeStrs(reply: Reply, list: string[]): void {
  reply.beginArray();
  for (let i = 0; i < list.length; i++) reply.str(list[i]);
  reply.end();
}

// features answers query features with the features asked for among
// versions, profiles and pairs (msgpack str only); an empty or nil list is a
// heartbeat, answered with status 200 alone (OpenC2 Language Specification
// v1.0, section 4.1).
function features(c: Component, asked: Val, reply: Reply): Status {
  const items = asked.items();
  if (items === null) {
    reply.status(400, "target features must be a list");
    return OK;
  }
  let versions = false, profiles = false, pairs = false;
  for (let i = 0; i < items.length; i++) {
    const s = items[i].str();
    if (s === null) continue;
    if (s == "versions") versions = true;
    else if (s == "profiles") profiles = true;
    else if (s == "pairs") pairs = true;
  }
  reply.status(200);
  if (!versions && !profiles && !pairs) return OK;
  reply.results();
  if (versions) { reply.key("versions"); writeStrs(reply, ["1.0"]); }
  if (profiles) { reply.key("profiles"); writeStrs(reply, c.profiles); }
  if (pairs) {
    reply.key("pairs");
    reply.beginMap();
    for (let i = 0; i < c.pairs.length; i++) { reply.key(c.pairs[i].action); writeStrs(reply, c.pairs[i].targets); }
    reply.end();
  }
  reply.end();
  return OK;
}

// echoActuate answers query features; it answers the other pairs it
// supports with status 200 and results echoing the action and target under x-echo, any
// other pair with 501, and a command whose target has not exactly one type
// with 400.
function echoActuate(req: ActuateRequest, reply: Reply): Status {
  const cmd = req.command;
  const target = cmd.target;
  const value = cmd.targetValue;
  if (cmd.targetKeys != 1 || target === null || value === null) {
    reply.status(400, "target must have exactly one type");
    return OK;
  }
  const self = req.self!;
  if (!supports(self, cmd.action, cmd.targetType)) {
    reply.status(501, "command not supported: " + cmd.action + " " + cmd.targetType);
    return OK;
  }
  if (cmd.action == "query") return features(self, value, reply);
  reply.status(200);
  reply.results();
  // Results of a profile go under its namespace (LS v1.0 section 3.3.2.2).
  reply.key("x-echo");
  reply.beginMap();
  reply.key("action");
  reply.str(cmd.action);
  reply.key("target");
  reply.val(target);
  reply.end();
  reply.end();
  return OK;
}

export function echoActuator(): Component {
  return Component.actuator("echo", "answers query features and echoes the other commands it supports", ["x-echo"], [
    new Pair("query", ["features"]),
    new Pair("allow", ["ipv4_net", "ipv6_net"]),
    new Pair("deny", ["ipv4_net", "ipv6_net"]),
  ], echoActuate);
}
