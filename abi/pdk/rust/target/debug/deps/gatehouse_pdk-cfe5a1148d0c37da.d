/work/wt-plan16/abi/pdk/rust/target/debug/deps/gatehouse_pdk-cfe5a1148d0c37da.d: src/lib.rs src/error.rs src/host.rs src/msgpack.rs src/plugin.rs src/reply.rs src/request.rs src/rt.rs src/value.rs

/work/wt-plan16/abi/pdk/rust/target/debug/deps/gatehouse_pdk-cfe5a1148d0c37da: src/lib.rs src/error.rs src/host.rs src/msgpack.rs src/plugin.rs src/reply.rs src/request.rs src/rt.rs src/value.rs

src/lib.rs:
src/error.rs:
src/host.rs:
src/msgpack.rs:
src/plugin.rs:
src/reply.rs:
src/request.rs:
src/rt.rs:
src/value.rs:
