//! Golden cases, kpt's `.expected/` shape: `fixtures/krm/<case>/input.yaml` goes through the
//! `azfn` binary (the WebAssembly module in the sandbox) and through the native `azfn-krm`;
//! both must print exactly `.expected/output.yaml` and `.expected/stderr.txt` and exit with
//! `.expected/exit-code`. `AZFN_BLESS=1` rewrites the expectations from the sandboxed run.
use azfn_tests::{azfn_bin, command, fixture, native_krm_bin, run};
use std::path::Path;

fn expect(dir: &Path, name: &str, actual: &[u8], bless: bool) -> Result<(), String> {
    let path = dir.join(".expected").join(name);
    if bless {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs:\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        ))
    }
}

#[test]
fn golden_cases_match_in_the_sandbox_and_natively() {
    let bless = std::env::var_os("AZFN_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(fixture("krm"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("input.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "golden cases are missing");
    let mut failures = Vec::new();
    for dir in &cases {
        let input = std::fs::read(dir.join("input.yaml")).unwrap();
        let sandboxed = run(&mut command(azfn_bin()), &input);
        let native = run(&mut command(native_krm_bin()), &input);
        let code = format!("{}\n", sandboxed.status.code().unwrap_or(-1));
        let checks = [
            expect(dir, "output.yaml", &sandboxed.stdout, bless),
            expect(dir, "stderr.txt", &sandboxed.stderr, bless),
            expect(dir, "exit-code", code.as_bytes(), bless),
        ];
        failures.extend(checks.into_iter().filter_map(Result::err));
        if native.stdout != sandboxed.stdout
            || native.stderr != sandboxed.stderr
            || native.status.code() != sandboxed.status.code()
        {
            failures.push(format!(
                "{}: native and sandboxed runs differ",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
