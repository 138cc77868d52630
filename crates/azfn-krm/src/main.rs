//! The azfn KRM function: reads one ResourceList on stdin and writes it back on stdout with
//! azfn's results (and any FunctionApp rendered). Built for wasm32-wasip1 (the module the `azfn`
//! host runs in its sandbox) and natively (benchmarks, debugging).
//!
//! Arguments: `--input NAME=VALUE`, once per declared input the host read from its environment.
//!
//! Exit codes: 0 no error findings; 1 error findings (the full ResourceList is still written,
//! so kpt shows the results); 2 unusable input (nothing is written to stdout).
// Only where the module has one thread (the allocator relies on it): not with wasm threads.
#[cfg(any(all(target_family = "wasm", not(target_feature = "atomics")), test))]
mod heap;

use std::io::{Read, Write};
use std::process::ExitCode;

use azfn_core::functionapp::inputs::Values;

fn inputs() -> Result<Values, String> {
    let mut values = Values::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let pair = match arg.as_str() {
            "--input" => args.next().ok_or("--input needs NAME=VALUE")?,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let (name, value) = pair.split_once('=').ok_or("--input needs NAME=VALUE")?;
        values.insert(name.to_owned(), value.to_owned());
    }
    Ok(values)
}

fn main() -> ExitCode {
    let inputs = match inputs() {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("azfn: {e}");
            return ExitCode::from(2);
        }
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("azfn: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    let input = match azfn_core::text::decode_owned(bytes) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("azfn: <stdin>: {e}");
            return ExitCode::from(2);
        }
    };
    match azfn_core::process_resource_list_with(&input, "<stdin>", &inputs) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(output.yaml.as_bytes())
                .and_then(|()| stdout.flush())
            {
                eprintln!("azfn: cannot write stdout: {e}");
                return ExitCode::from(2);
            }
            let code = if output.has_errors() {
                eprint!("{}", output.summary());
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
            // The process ends here: freeing every parsed object one by one took a tenth of a
            // 1,000-item run (callgrind), for memory the exit gives back at once.
            std::mem::forget(output);
            code
        }
        Err(e) => {
            eprintln!("azfn: {e}");
            ExitCode::from(2)
        }
    }
}
