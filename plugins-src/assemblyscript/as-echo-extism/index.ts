// as-echo-extism: the environment setter echo of as-basics (the same source
// file, plugins-src/assemblyscript/internal/echo.ts) on the Extism binding,
// written with @extism/as-pdk. Build from the repository root:
//
//   npx asc plugins-src/assemblyscript/as-echo-extism/index.ts --runtime incremental --use abort=abi/pdk/assemblyscript/abort/gh_abort -O3 --noAssert -o plugins/as-echo-extism.wasm
import { Plugin, register } from "../../../abi/pdk/assemblyscript/gatehouse";
import { echoComponent } from "../internal/echo";

export * from "../../../abi/pdk/assemblyscript/extism";

register(new Plugin("as-echo-extism", "1.0.0", "the echo environment setter of as-basics on the Extism binding", [echoComponent()]));
