/*
 * c-echo-extism: the environment setter echo of c-basics (the same source
 * file, plugins-src/c/internal/echo.c) behind the Extism binding, to compare
 * the two bindings on the same logic. Build from the repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -flto -mbulk-memory -DGATEHOUSE_BINDING_EXTISM -Iabi/pdk/c -o plugins/c-echo-extism.wasm abi/pdk/c/gatehouse.c plugins-src/c/internal/echo.c plugins-src/c/c-echo-extism/main.c
 *
 * With GATEHOUSE_BINDING_EXTISM the kit's exports are Extism functions
 * () -> i32 that read the msgpack request from the Extism input and write
 * the reply envelope to the Extism output, through the Extism kernel imports
 * of extism:host/env; the module has no other import.
 */
#include "gatehouse.h"

#include "../internal/echo.h"

GATEHOUSE_PLUGIN(
    .name = "c-echo-extism",
    .version = "1.0.0",
    .description = "the echo environment setter of c-basics on the Extism binding",
    .components = GH_COMPONENTS(ECHO_ENVIRONMENT));
