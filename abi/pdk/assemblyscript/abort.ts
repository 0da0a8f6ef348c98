// The abort function of Gatehouse AssemblyScript plugins. Build with
// `--use abort=abi/pdk/assemblyscript/abort/gh_abort` so that the module does
// not import env.abort, which the host refuses: a failed assertion or an
// uncaught throw traps instead.
export function gh_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
