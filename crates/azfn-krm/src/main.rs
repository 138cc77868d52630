//! The azfn KRM function: reads one ResourceList on stdin and writes it back on stdout with
//! azfn's results. Built for wasm32-wasip1 (the module the `azfn` host runs in its sandbox) and
//! natively (benchmarks, debugging).
//!
//! Exit codes: 0 no error findings; 1 error findings (the full ResourceList is still written,
//! so kpt shows the results); 2 unusable input (nothing is written to stdout).
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("azfn: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    match azfn_core::process_resource_list(&input, "<stdin>") {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(output.yaml.as_bytes())
                .and_then(|()| stdout.flush())
            {
                eprintln!("azfn: cannot write stdout: {e}");
                return ExitCode::from(2);
            }
            if output.has_errors() {
                eprint!("{}", output.summary());
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("azfn: {e}");
            ExitCode::from(2)
        }
    }
}
