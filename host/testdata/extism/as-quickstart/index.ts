// as-quickstart is a plain Extism plugin written with the official Extism
// AssemblyScript PDK as its README's example does, with no Gatehouse export:
//
//   npx asc index.ts --use abort=index/myAbort -O3 -o as-quickstart.wasm
//
// count_vowels and greet are the example's; audit takes JSON and answers
// JSON, as a component served through plugins.NAME.extism does.
import { Config, Host, Var } from "@extism/as-pdk";

function myAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {}

export function count_vowels(): i32 {
  let str = Host.inputString();
  var count = 0;
  for (var i = 0; i < str.length; i++) {
    let x: string = str[i];
    if (x == "a" || x == "A" || x == "e" || x == "E" || x == "i" || x == "I" || x == "o" || x == "O" || x == "u" || x == "U") {
      count += 1;
    }
  }
  // persistent variables (scoped to individual plugin)
  var a = Uint8Array.wrap(String.UTF8.encode("this is var a"));
  Var.set("a", a);
  let data = Var.get("a");
  let var_a = data == null ? "null" : String.UTF8.decode(data.buffer);
  // config, provided by the host
  const thing = Config.get("thing");
  var out = '{"count": ' + count.toString() + ', "config": "' + (thing == null ? "null" : thing) + '", "a": "' + var_a + '"}';
  Host.outputString(out);
  Var.remove("a");
  return 0;
}

export function greet(): i32 {
  Host.outputString("Hello, " + Host.inputString() + "!");
  return 0;
}

// audit answers an obligation request: fulfilled when access was granted.
export function audit(): i32 {
  const granted = Host.inputString().includes('"decision":"GRANT"');
  Host.outputString('{"fulfilled": ' + (granted ? "true" : "false") + (granted ? "" : ', "reason": "not granted"') + "}");
  return 0;
}
