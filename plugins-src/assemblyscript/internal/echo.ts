// The environment setter echo, shared by as-basics (native binding) and
// as-echo-extism (Extism binding): it returns the key asked for and
// subject.id, as the Go basics' EchoEnvironment does, for benchmarks.
import { Component, EnvironmentRequest, OK, Reply, Status } from "../../../abi/pdk/assemblyscript/gatehouse";

export function echo(req: EnvironmentRequest, reply: Reply): Status {
  reply.value();
  reply.beginMap();
  reply.key("key");
  reply.str(req.key);
  reply.key("subject");
  const id = req.context.get("subject.id");
  if (id !== null) reply.val(id);
  else reply.nil();
  reply.end();
  return OK;
}

export function echoComponent(): Component {
  return Component.environment("echo", "returns the key asked for and subject.id, for benchmarks", ["echo"], echo);
}
