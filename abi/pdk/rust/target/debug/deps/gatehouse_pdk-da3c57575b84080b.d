/work/wt-plan16/abi/pdk/rust/target/debug/deps/gatehouse_pdk-da3c57575b84080b.d: src/lib.rs src/error.rs src/host.rs src/msgpack.rs src/plugin.rs src/reply.rs src/request.rs src/rt.rs src/value.rs

/work/wt-plan16/abi/pdk/rust/target/debug/deps/libgatehouse_pdk-da3c57575b84080b.rlib: src/lib.rs src/error.rs src/host.rs src/msgpack.rs src/plugin.rs src/reply.rs src/request.rs src/rt.rs src/value.rs

/work/wt-plan16/abi/pdk/rust/target/debug/deps/libgatehouse_pdk-da3c57575b84080b.rmeta: src/lib.rs src/error.rs src/host.rs src/msgpack.rs src/plugin.rs src/reply.rs src/request.rs src/rt.rs src/value.rs

src/lib.rs:
src/error.rs:
src/host.rs:
src/msgpack.rs:
src/plugin.rs:
src/reply.rs:
src/request.rs:
src/rt.rs:
src/value.rs:
